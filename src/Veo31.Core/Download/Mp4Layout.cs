using System;

namespace Veo31.Core.Download
{
    /// <summary>
    /// The top-level boxes of an MP4 (ISO BMFF) file each start with their size, so a file whose boxes end exactly at
    /// its length is whole, and one cut short is not. Used when the server gave no other way to tell. Fed the bytes as they
    /// are written (in order, from the start), so it works for any destination, including one that cannot be read back.
    /// </summary>
    internal sealed class Mp4Layout
    {
        private readonly byte[] _header = new byte[16];
        private int _headerRead;
        private long _position;
        // Where the box being read ends; the next box header starts there.
        private long _boxEnd;
        private bool _malformed;
        private bool _runsToEnd;

        /// <summary>Takes the next bytes of the file.</summary>
        public void Append(byte[] buffer, int offset, int count)
        {
            int end = offset + count;
            while (offset < end && !_malformed && !_runsToEnd)
            {
                if (_position < _boxEnd)
                {
                    int skip = (int)Math.Min(end - offset, _boxEnd - _position);
                    offset += skip;
                    _position += skip;
                    continue;
                }
                _header[_headerRead++] = buffer[offset++];
                _position++;
                ReadHeaderIfComplete();
            }
            _position += end - offset; // bytes after a malformed header or inside a box that runs to the end
        }

        /// <summary>True when the bytes so far are a whole number of boxes (or end inside a last box that runs to the end).</summary>
        public bool SpansExactly => !_malformed && (_runsToEnd || (_headerRead == 0 && _position == _boxEnd));

        private void ReadHeaderIfComplete()
        {
            if (_headerRead < 8) return;
            long size = ((long)_header[0] << 24) | ((long)_header[1] << 16) | ((long)_header[2] << 8) | _header[3];
            if (size == 0)
            {
                _runsToEnd = true; // the last box runs to the end of the file
                return;
            }
            long start = _position - _headerRead;
            if (size == 1)
            {
                if (_headerRead < 16) return; // a 64-bit size follows the type
                size = 0;
                for (int i = 8; i < 16; i++) size = (size << 8) | _header[i];
                if (size < 16)
                {
                    _malformed = true;
                    return;
                }
            }
            else if (size < 8)
            {
                _malformed = true;
                return;
            }
            _boxEnd = start + size;
            _headerRead = 0;
        }
    }
}
