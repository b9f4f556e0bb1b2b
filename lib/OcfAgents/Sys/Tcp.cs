using System.Net;
using System.Net.Sockets;

namespace OcfAgents.Sys;

/// <summary>A TCP connection could not be made; the message names the peer and the step.</summary>
public sealed class TcpException(string message) : IOException(message);

/// <summary>Client TCP connections bounded by a deadline (name lookup included).</summary>
public static class Tcp
{
    /// <summary>
    /// Connects to <paramref name="host"/> (an address literal or a name; IPv4 preferred, as on a
    /// management network) within <paramref name="until"/>. <paramref name="what"/> names the peer
    /// in the error ("the iLO 10.0.0.5:443").
    /// </summary>
    public static Socket Connect(string host, int port, Deadline until, string what)
    {
        var address = Resolve(host, until);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var connect = socket.ConnectAsync(new IPEndPoint(address, port));
            if (!connect.Wait(until.Remaining)) throw new TcpException($"connecting to {what} timed out");
            return socket;
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            socket.Dispose();
            throw new TcpException($"cannot reach {what}: {se.Message}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Send and receive timeouts = what is left of the deadline, so a blocking call cannot outlive it.</summary>
    public static void SetTimeouts(Socket socket, Deadline until)
    {
        var ms = Math.Max(1, until.RemainingMilliseconds);
        socket.ReceiveTimeout = ms;
        socket.SendTimeout = ms;
    }

    /// <summary>
    /// The address of <paramref name="host"/> (a literal, or a name looked up within
    /// <paramref name="until"/>; IPv4 preferred, as on a management network). Anything that is
    /// neither — "1.2.3.4 5.6.7.8", a megabyte of text — is refused before the resolver sees it.
    /// </summary>
    public static IPAddress Resolve(string host, Deadline until)
    {
        if (IPAddress.TryParse(host, out var literal)) return literal;
        if (!IsHostName(host))
            throw new TcpException($"'{Shorten(host)}' is neither an IP address nor a host name");
        var lookup = Dns.GetHostAddressesAsync(host);
        try
        {
            if (!lookup.Wait(until.Remaining)) throw new TcpException($"resolving '{host}' timed out");
        }
        catch (AggregateException e)
        {
            throw new TcpException($"cannot resolve '{host}': {ErrorText.Describe(e)}");
        }
        return lookup.Result.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? lookup.Result.FirstOrDefault()
            ?? throw new TcpException($"'{host}' has no address");
    }

    /// <summary>
    /// A DNS name as RFC 1123 allows it: labels of letters, digits, '-' and '_' (common in
    /// /etc/hosts), 1–63 characters, not starting or ending with '-', 253 characters in all.
    /// </summary>
    public static bool IsHostName(string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length is 0 or > 253) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        }
        return true;
    }

    /// <summary>An address literal or a host name (see <see cref="IsHostName"/>).</summary>
    public static bool IsHostOrAddress(string host) => IPAddress.TryParse(host, out _) || IsHostName(host);

    private static string Shorten(string text) => ErrorText.Printable(text.Length > 64 ? text[..61] + "..." : text);
}
