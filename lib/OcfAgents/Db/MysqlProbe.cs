using System.Net.Sockets;
using System.Text;
using OcfAgents.Sys;

namespace OcfAgents.Db;

/// <summary>
/// "Does the server accept connections?" for MariaDB/MySQL, asked on its Unix socket: a server
/// that accepts greets first (client/server protocol, "Initial Handshake Packet"):
/// <code>
/// packet   = payload_length(3, LE) | sequence_id(1) | payload
/// greeting = 0x0A (protocol 10) | server version \0 | connection id(4) | …
/// error    = 0xFF | error code(2, LE) | '#' SQLSTATE(5) | message     (e.g. too many connections)
/// </code>
/// The socket, not TCP: connections over the socket never enter the host cache, so a probe that
/// leaves after the greeting can never get a host blocked by max_connect_errors.
/// </summary>
public static class MysqlProbe
{
    public readonly record struct Answer(bool Accepts, string Message);

    public static Answer Ask(string socketPath, Deadline deadline)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            var connect = socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            if (!connect.Wait(deadline.Remaining)) return new Answer(false, $"connecting to {socketPath} timed out");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            return new Answer(false, $"no connection on {socketPath}: {se.Message}");
        }
        socket.ReceiveTimeout = Math.Max(1, deadline.RemainingMilliseconds);
        try
        {
            var head = SocketRead.Exactly(socket, 4);
            var length = head[0] | head[1] << 8 | head[2] << 16;
            if (length is < 1 or > 65536) return new Answer(false, $"{socketPath} sent a {length}-byte first packet: not MariaDB/MySQL");
            var payload = SocketRead.Exactly(socket, length);
            return payload[0] switch
            {
                0x0A => new Answer(true, $"accepts connections (server {Encoding.ASCII.GetString(payload, 1, Math.Max(0, Array.IndexOf(payload, (byte)0, 1) - 1))})"),
                0xFF when payload.Length >= 3 => new Answer(false, $"refuses connections: error {payload[1] | payload[2] << 8}: {Encoding.UTF8.GetString(payload, payload.Length > 9 && payload[3] == '#' ? 9 : 3, payload.Length - (payload.Length > 9 && payload[3] == '#' ? 9 : 3))}"),
                var v => new Answer(false, $"{socketPath} greeted with protocol byte 0x{v:x2}: not MariaDB/MySQL"),
            };
        }
        catch (SocketException e)
        {
            return new Answer(false, e.SocketErrorCode == SocketError.TimedOut ? $"{socketPath} sent no greeting in time" : $"{socketPath}: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            return new Answer(false, $"{socketPath} closed the connection before its greeting");
        }
    }
}
