using System;

namespace Veo31.Core.Files
{
    /// <summary>File names derived from what a server says, made safe to create under a destination folder.</summary>
    public static class SafeFileNames
    {
        /// <summary>A file name from a uuid: only [A-Za-z0-9._-], no leading/trailing dots, no reserved Windows names.</summary>
        public static string FromUuid(string uuid, string extension = ".mp4") => throw new NotImplementedException();

        /// <summary>Full path of fileName inside destinationDirectory; throws UnsafePath if it would land outside
        /// (.., rooted paths, reserved names, trailing dots or spaces).</summary>
        public static string ResolveInside(string destinationDirectory, string fileName) => throw new NotImplementedException();
    }
}
