namespace OcfAgents.Sys;

/// <summary>
/// An inherited file descriptor as a write-only stream, written with write(2). FileStream over
/// a seekable descriptor uses pwrite(2) at its own position: the descriptor's shared offset does
/// not move, so in `{ agent meta-data; echo done; } &gt; file` the shell's next write lands on top
/// of ours. write(2) advances the offset every process sharing the descriptor sees.
/// </summary>
public sealed class FdStream(int fd) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Native.WriteAll(fd, buffer) is var errno and not 0)
            throw new IOException($"write to fd {fd}: {Native.ErrnoText(errno)}");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
