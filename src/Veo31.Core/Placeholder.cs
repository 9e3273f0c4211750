namespace Veo31.Core { internal static class Placeholder { } }
