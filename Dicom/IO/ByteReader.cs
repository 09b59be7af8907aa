using System.Buffers.Binary;

namespace Imaging.Dicom;

/// <summary>
/// Reads a stream through a buffer, knowing the absolute offset of every byte (for errors) and, where the stream
/// can tell, how many bytes are left (so a length field that lies is caught before anything is allocated).
/// </summary>
internal sealed class ByteReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly long? _length;
    private int _position;
    private int _count;
    private long _bufferStart;

    public ByteReader(Stream stream, string? path = null, long offsetBase = 0)
    {
        _stream = stream;
        Path = path;
        _bufferStart = offsetBase;
        if (stream.CanSeek)
        {
            _bufferStart = stream.Position;
            _length = stream.Length;
        }
    }

    /// <summary>The file being read, when values can be left on disk and read later by offset.</summary>
    public string? Path { get; }

    public bool CanSeek => _stream.CanSeek;

    public long Position => _bufferStart + _position;

    /// <summary>Bytes left in the input, when the stream knows its length.</summary>
    public long? Remaining => _length - Position;

    public bool AtEnd => !Fill(1);

    public ushort ReadUInt16(bool bigEndian)
    {
        Span<byte> bytes = stackalloc byte[2];
        ReadExactly(bytes);
        return bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);
    }

    public uint ReadUInt32(bool bigEndian)
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadExactly(bytes);
        return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>Copies the next bytes into <paramref name="destination"/> without consuming them; false if the input is shorter.</summary>
    public bool TryPeek(Span<byte> destination)
    {
        if (!Fill(destination.Length))
        {
            return false;
        }

        _buffer.AsSpan(_position, destination.Length).CopyTo(destination);
        return true;
    }

    public void ReadExactly(Span<byte> destination)
    {
        var start = Position;
        while (destination.Length > 0)
        {
            if (_position == _count && destination.Length >= _buffer.Length)
            {
                // Large values go straight from the stream into their own array.
                var direct = _stream.Read(destination);
                if (direct == 0)
                {
                    throw new DicomFormatException($"The data ends {destination.Length} byte(s) short of what its structure needs", start);
                }

                _bufferStart += direct;
                destination = destination[direct..];
                continue;
            }

            if (!Fill(1))
            {
                throw new DicomFormatException($"The data ends {destination.Length} byte(s) short of what its structure needs", start);
            }

            var take = Math.Min(destination.Length, _count - _position);
            _buffer.AsSpan(_position, take).CopyTo(destination);
            _position += take;
            destination = destination[take..];
        }
    }

    /// <summary>Reads a value of a declared length, refusing a length the input cannot hold before allocating for it.</summary>
    public byte[] ReadValue(long length, long maxUnknownLength)
    {
        CheckLength(length, maxUnknownLength);
        if (Remaining is not null)
        {
            // Large values (pixel data) are overwritten at once: skip zeroing them first.
            var value = length >= 4096 ? GC.AllocateUninitializedArray<byte>((int)length) : new byte[length];
            ReadExactly(value);
            return value;
        }

        // Unknown input length (a deflated stream): grow in steps, so a lying length cannot reserve gigabytes.
        using var collected = new MemoryStream();
        var chunk = new byte[(int)Math.Min(length, 1 << 20)];
        for (var left = length; left > 0;)
        {
            var part = chunk.AsSpan(0, (int)Math.Min(left, chunk.Length));
            ReadExactly(part);
            collected.Write(part);
            left -= part.Length;
        }

        return collected.ToArray();
    }

    /// <summary>Skips a value of a seekable input, returning where it starts; for values left on disk.</summary>
    public long SkipValue(long length)
    {
        CheckLength(length, long.MaxValue);
        var start = Position;
        var buffered = _count - _position;
        if (length <= buffered)
        {
            _position += (int)length;
            return start;
        }

        _stream.Seek(start + length, SeekOrigin.Begin);
        _bufferStart = start + length;
        _position = 0;
        _count = 0;
        return start;
    }

    /// <summary>The rest of the input as a stream (buffered bytes first), e.g. to inflate a deflated dataset.</summary>
    public Stream RemainderAsStream()
    {
        var buffered = new MemoryStream(_buffer, _position, _count - _position, writable: false);
        _position = _count;
        return new ConcatenatedStream(buffered, _stream);
    }

    private void CheckLength(long length, long maxUnknownLength)
    {
        if (Remaining is { } remaining && length > remaining)
        {
            throw new DicomFormatException($"A value length of {length} bytes runs past the end of the data ({remaining} bytes left)", Position);
        }

        if (Remaining is null && length > maxUnknownLength)
        {
            throw new DicomFormatException($"A value length of {length} bytes is larger than the {maxUnknownLength} bytes accepted", Position);
        }

        if (length > Array.MaxLength && maxUnknownLength != long.MaxValue)
        {
            throw new DicomFormatException($"A value of {length} bytes is larger than one array can hold; read the file by path so large values stay on disk", Position);
        }
    }

    private bool Fill(int needed)
    {
        if (_count - _position >= needed)
        {
            return true;
        }

        if (_position > 0)
        {
            Buffer.BlockCopy(_buffer, _position, _buffer, 0, _count - _position);
            _bufferStart += _position;
            _count -= _position;
            _position = 0;
        }

        while (_count < needed)
        {
            var read = _stream.Read(_buffer, _count, _buffer.Length - _count);
            if (read == 0)
            {
                return false;
            }

            _count += read;
        }

        return true;
    }
}

/// <summary>Reads one stream, then another.</summary>
internal sealed class ConcatenatedStream(Stream first, Stream second) : ReadOnlyStream
{
    private bool _firstDone;

    public override int Read(Span<byte> buffer)
    {
        if (!_firstDone)
        {
            var read = first.Read(buffer);
            if (read > 0)
            {
                return read;
            }

            _firstDone = true;
        }

        return second.Read(buffer);
    }

}
