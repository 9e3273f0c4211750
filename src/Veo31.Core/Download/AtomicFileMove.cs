using System;
using System.IO;
using System.Reflection;

namespace Veo31.Core.Download
{
    internal static class AtomicFileMove
    {
        // File.Move(string, string, bool) exists from .NET Core 3.0; netstandard2.0 does not declare it.
        private static readonly MethodInfo? MoveWithOverwrite =
            typeof(File).GetMethod("Move", new[] { typeof(string), typeof(string), typeof(bool) });

        /// <summary>Renames source to destination; with overwrite an existing destination is replaced in one step.</summary>
        public static void Move(string source, string destination, bool overwrite)
        {
            if (!overwrite)
            {
                File.Move(source, destination);
                return;
            }
            if (MoveWithOverwrite != null)
            {
                try
                {
                    MoveWithOverwrite.Invoke(null, new object[] { source, destination, true });
                }
                catch (TargetInvocationException ex) when (ex.InnerException != null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                }
                return;
            }
            if (File.Exists(destination)) File.Replace(source, destination, null);
            else File.Move(source, destination);
        }
    }
}
