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

    private static IPAddress Resolve(string host, Deadline until)
    {
        if (IPAddress.TryParse(host, out var literal)) return literal;
        var lookup = Dns.GetHostAddressesAsync(host);
        try
        {
            if (!lookup.Wait(until.Remaining)) throw new TcpException($"resolving '{host}' timed out");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            throw new TcpException($"cannot resolve '{host}': {se.Message}");
        }
        return lookup.Result.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? lookup.Result.FirstOrDefault()
            ?? throw new TcpException($"'{host}' has no address");
    }
}
