using System.Text;

namespace OcfAgents.Sys;

/// <summary>
/// stdout or stderr of an agent: text encoded to UTF-8 as it is written, into one byte buffer
/// sized to what was written, and handed to write(2) once per flush (through
/// <see cref="FdStream"/>, for its shared-offset semantics).
/// A StreamWriter allocates its char and byte buffers up front (~80 KB for a 16 K buffer), and a
/// StringBuilder copies the text twice more before it is encoded; on this machine each freshly
/// touched page is a ~5 µs fault. A monitor that prints nothing allocates nothing for output, and
/// meta-data's document is encoded once, into a buffer of its own size.
/// With <c>autoFlush</c> every Write/WriteLine call is written at once (log lines must be out before
/// a watchdog's _exit); without it, on <see cref="Flush"/>.
/// </summary>
public sealed class FdWriter(int fd, bool autoFlush) : TextWriter
{
    private readonly FdStream _fd = new(fd);
    // Stateful, so a surrogate pair split across two Write(char) calls is still encoded as one character.
    private readonly Encoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
    private byte[] _bytes = [];
    private int _length;

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Append([value]);
    public override void Write(string? value) => Append(value);
    public override void Write(ReadOnlySpan<char> buffer) => Append(buffer);
    public override void Write(char[] buffer, int index, int count) => Append(buffer.AsSpan(index, count));
    public override void WriteLine(string? value) { Append(value); Append(CoreNewLine); }

    public override void Flush()
    {
        if (_length == 0) return;
        var n = _length;
        _length = 0;
        _fd.Write(_bytes.AsSpan(0, n));
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        var need = _length + _utf8.GetByteCount(text, flush: false);
        if (need > _bytes.Length) Array.Resize(ref _bytes, Math.Max(need, _bytes.Length * 2));
        _length += _utf8.GetBytes(text, _bytes.AsSpan(_length), flush: false);
        if (autoFlush) Flush();
    }
}
