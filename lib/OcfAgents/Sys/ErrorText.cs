using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace OcfAgents.Sys;

/// <summary>
/// What an exception means, in words an admin reads in crm_mon or the fence log.
///
/// The executables are built with UseSystemResourceKeys (no localized message tables: smaller,
/// faster to start), so a .NET exception's Message is its resource key followed by the format
/// arguments — "net_io_writefailure, Connection reset by peer", "IO_FileNotFound_FileName, /x".
/// Those keys are runtime internals, never something to show. The argument part is real data
/// (a path, an errno text from strerror, a socket error), and the inner exception usually holds
/// the cause, so the description is our sentence for the key plus those.
///
/// | exception                              | described as                                      |
/// |----------------------------------------|---------------------------------------------------|
/// | message is a resource key              | our sentence for the key (or its type), its arguments |
/// | message in words (SysError, our own)   | the message                                       |
/// | with an inner exception                | "…: " + the inner one described                   |
/// </summary>
public static class ErrorText
{
    // Resource keys we know to be reachable from our agents, in our words. A key not listed is
    // described by the exception type (below), never printed. In a class of its own: Printable
    // runs on every action (the watchdog's exit reason is made before the action), and the table
    // is wanted only when something failed.
    private static class Known
    {
        public static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal)
        {
            ["net_io_writefailure"] = "writing to the connection failed",
            ["net_io_readfailure"] = "reading from the connection failed",
            ["net_io_eof"] = "the peer closed the connection",
            ["net_io_connectionclosed"] = "the peer closed the connection",
            ["net_frame_read_size"] = "the peer closed the connection during the TLS handshake",
            ["net_ssl_io_frame"] = "the peer does not speak TLS (unexpected packet in the handshake)",
            ["net_auth_eof"] = "the peer closed the connection during the TLS handshake",
            ["net_auth_SSPI"] = "the TLS handshake failed",
            ["net_auth_alert"] = "the peer rejected the TLS handshake",
            ["net_ssl_handshake_failed_error"] = "the TLS handshake failed",
            ["net_auth_remote_certificate_invalid"] = "the peer's certificate is not trusted",
            ["net_timeout"] = "the operation timed out",
            ["IO_FileNotFound"] = "no such file",
            ["IO_FileNotFound_FileName"] = "no such file",
            ["IO_PathNotFound_NoPathName"] = "no such directory",
            ["IO_PathNotFound_Path"] = "no such directory",
            ["IO_FileExists_Name"] = "already exists",
            ["IO_PathTooLong"] = "path too long",
            ["IO_PathTooLong_Path"] = "path too long",
            ["IO_SharingViolation_File"] = "file in use",
            ["IO_EOF_ReadBeyondEOF"] = "unexpected end of file",
            ["UnauthorizedAccess_IODenied_Path"] = "permission denied",
            ["UnauthorizedAccess_IODenied_NoPathName"] = "permission denied",
            ["Arg_PathIllegal"] = "not a valid path",
            ["Argument_InvalidPathChars"] = "the path contains a character a path cannot hold",
            ["Argument_EmptyPath"] = "empty path",
            ["ObjectDisposed_Generic"] = "used after it was closed",
        };
    }

    /// <summary>The exception and its causes, in words; control characters escaped.</summary>
    public static string Describe(Exception e)
    {
        var sb = new StringBuilder();
        var depth = 0;
        for (Exception? x = e; x is not null && depth < 4; x = Unwrap(x), depth++)
        {
            var part = One(x);
            if (part.Length == 0) continue;
            // "cannot connect: Connection refused" already holds its inner SocketException's text.
            if (sb.Length > 0 && sb.ToString().EndsWith(part, StringComparison.Ordinal)) continue;
            if (sb.Length > 0) sb.Append(": ");
            sb.Append(part);
        }
        return Printable(sb.Length > 0 ? sb.ToString() : TypeWords(e));
    }

    private static Exception? Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e.InnerException;

    private static string One(Exception e)
    {
        if (e is AggregateException) return "";
        // A bug of ours, not a condition of the node: its text means nothing to an admin.
        if (e is ArgumentException or InvalidOperationException or NullReferenceException or IndexOutOfRangeException
            or InvalidCastException or FormatException or OverflowException or NotSupportedException
            or NotImplementedException or KeyNotFoundException) return TypeWords(e);
        // SocketException's text comes from strerror/gai_strerror, never from a resource table.
        if (e is SocketException se) return se.Message;
        var message = e.Message;
        if (SplitKey(message) is not { } keyed) return message;
        var words = Known.Keys.TryGetValue(keyed.Key, out var w) ? w : TypeWords(e);
        if (e is FileNotFoundException { FileName: { Length: > 0 } name } && !keyed.Args.Contains(name)) return $"{words}: {name}";
        return keyed.Args.Length > 0 ? $"{words}: {keyed.Args}" : words;
    }

    /// <summary>
    /// "Key_Name, arg1, arg2" → (Key_Name, "arg1, arg2"); null when the message is prose. A key is
    /// one word of letters, digits and underscores with at least one underscore and no space.
    /// </summary>
    internal static (string Key, string Args)? SplitKey(string message)
    {
        var end = message.IndexOf(", ", StringComparison.Ordinal);
        var key = end < 0 ? message : message[..end];
        if (key.Length < 3 || !key.Contains('_') || !char.IsAsciiLetter(key[0])) return null;
        foreach (var c in key) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return null;
        return (key, end < 0 ? "" : message[(end + 2)..]);
    }

    private static string TypeWords(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        PathTooLongException => "path too long",
        UnauthorizedAccessException => "permission denied",
        AuthenticationException => "the TLS handshake failed",
        System.Security.Cryptography.CryptographicException => "not a valid certificate or key",
        EndOfStreamException => "unexpected end of data",
        TimeoutException => "timed out",
        IOException => "input/output error",
        OutOfMemoryException => "out of memory",
        // The runtime's own (internal) exception for an error OpenSSL reported; OpenSSL's text is its inner one.
        _ when e.GetType().Name == "SslException" => "the TLS session failed",
        _ => $"internal error ({e.GetType().Name})",
    };

    /// <summary>
    /// Is this the caller lacking rights (OCF's 4, "insufficient privileges") rather than a
    /// failure: EACCES/EPERM, and a read-only file system, which no retry on this node can fix.
    /// </summary>
    public static bool IsPermission(Exception e) => e switch
    {
        SysError s => s.IsPermission,
        UnauthorizedAccessException => true,
        // On Unix, System.IO sets HResult to the errno for an IOException made from one.
        IOException io => io.HResult is Native.EACCES or Native.EPERM or Native.EROFS,
        _ => false,
    };

    /// <summary>
    /// Text from outside (a BMC, an iLO, a database's log, an admin's parameter) made safe for one
    /// log line: control characters and escape sequences become \xNN (\n, \r and \t as such),
    /// so a terminal reading the log never interprets them and a line stays one line.
    /// </summary>
    public static string Printable(string text)
    {
        var i = 0;
        while (i < text.Length && !IsControl(text[i])) i++;
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsControl(c)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => $"\\x{(int)c:x2}",
            });
        }
        return sb.ToString();
    }

    // C0, DEL and C1 (0x80–0x9f: CSI and friends on 8-bit terminals), and the Unicode line and
    // paragraph separators, which some log readers break lines on.
    private static bool IsControl(char c) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c is '\u2028' or '\u2029';
}
