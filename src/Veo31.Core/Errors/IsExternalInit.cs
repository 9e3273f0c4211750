namespace System.Runtime.CompilerServices
{
    /// <summary>Lets netstandard2.0 code declare init-only properties (the compiler needs this type to exist).</summary>
    internal static class IsExternalInit
    {
    }
}
