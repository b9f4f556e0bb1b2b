using System.Text;

namespace OcfAgents.Sys;

/// <summary>
/// stdout or stderr of an agent: text gathered in a StringBuilder and written as UTF-8 with one
/// write(2) per flush (through <see cref="FdStream"/>, for its shared-offset semantics).
/// A StreamWriter allocates its char and byte buffers up front (~80 KB for a 16 K buffer) whether
/// anything is written or not, and on this machine each freshly touched page is a ~5 µs fault: a
/// monitor that prints nothing should allocate nothing for output.
/// With <c>autoFlush</c> every Write/WriteLine call is written at once (log lines must be out before
/// a watchdog's _exit); without it, on <see cref="Flush"/>.
/// </summary>
public sealed class FdWriter(int fd, bool autoFlush) : TextWriter
{
    private readonly FdStream _fd = new(fd);
    private readonly StringBuilder _pending = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) { _pending.Append(value); Written(); }
    public override void Write(string? value) { _pending.Append(value); Written(); }
    public override void Write(ReadOnlySpan<char> buffer) { _pending.Append(buffer); Written(); }
    public override void Write(char[] buffer, int index, int count) { _pending.Append(buffer, index, count); Written(); }
    public override void WriteLine(string? value) { _pending.Append(value).Append(CoreNewLine); Written(); }

    public override void Flush()
    {
        if (_pending.Length == 0) return;
        var text = _pending.ToString();
        _pending.Clear();
        _fd.Write(Encoding.UTF8.GetBytes(text));
    }

    private void Written()
    {
        if (autoFlush) Flush();
    }
}
