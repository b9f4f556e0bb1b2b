using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// "Does the server accept connections?" for MariaDB/MySQL, asked on its Unix socket as a client
/// that logs in and says goodbye (client/server protocol):
/// <code>
/// packet     = payload_length(3, LE) | sequence_id(1) | payload
/// ← greeting = 0x0A (protocol 10) | server version \0 | connection id(4) | …   (sequence 0)
///   or error = 0xFF | error code(2, LE) | '#' SQLSTATE(5) | message       (too many connections)
/// → HandshakeResponse41 (sequence 1) = capabilities(4) | max packet(4) | charset(1) | 23 × 0 |
///              user \0 | auth data length(1) = 0 | plugin name "unix_socket" \0
/// ← OK 0x00 | ERR 0xFF | AuthSwitchRequest 0xFE plugin \0 data  → empty auth data (next sequence)
/// → COM_QUIT (sequence 0) = 0x01, then close
/// </code>
/// The login is unix_socket authentication: the server asks the kernel who is on the other end of
/// the socket (SO_PEERCRED) — the agent runs as root, and root@localhost authenticates that way
/// on MariaDB 10.4 and later unless an admin removed it — so no password is involved. It logs in
/// because a client that leaves after the greeting is logged by the server ("Aborted connection …
/// closed normally without authentication", a warning at the default log_warnings=2) on every
/// monitor; a login that ends with COM_QUIT is not logged at all. A server that refuses the login
/// still answered, which is all this asks: it accepts connections.
///
/// The socket, not TCP: connections over the socket never enter the host cache, so a probe can
/// never get a host blocked by max_connect_errors.
/// </summary>
public static class MysqlProbe
{
    public readonly record struct Answer(bool Accepts, string Message);

    // Capability flags (protocol documentation, "Capabilities"): long password, protocol 4.1,
    // secure connection (length-prefixed auth data), plugin authentication.
    private const uint ClientLongPassword = 0x1, ClientProtocol41 = 0x200, ClientSecureConnection = 0x8000, ClientPluginAuth = 0x80000;

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
        socket.SendTimeout = Math.Max(1, deadline.RemainingMilliseconds);
        try
        {
            var (_, greeting) = ReadPacket(socket, socketPath);
            if (greeting.Length == 0) return new Answer(false, $"{socketPath} greeted with an empty packet: not MariaDB/MySQL");
            switch (greeting[0])
            {
                case 0xFF: return new Answer(false, $"refuses connections: {Error(greeting)}");
                case not 0x0A: return new Answer(false, $"{socketPath} greeted with protocol byte 0x{greeting[0]:x2}: not MariaDB/MySQL");
            }
            var end = Array.IndexOf(greeting, (byte)0, 1);
            var version = Encoding.ASCII.GetString(greeting, 1, Math.Max(0, (end < 0 ? greeting.Length : end) - 1));
            var accepts = new Answer(true, $"accepts connections (server {version})");

            Login(socket);
            // MariaDB's root@localhost is "mysql_native_password … OR unix_socket": the server
            // first switches us to the password plugin; an empty answer fails that one, and it
            // goes on to unix_socket. A few rounds at most, one per alternative.
            for (var round = 0; round < 4; round++)
            {
                var (seq, reply) = ReadPacket(socket, socketPath);
                if (reply.Length == 0) break;
                switch (reply[0])
                {
                    case 0x00:
                        Send(socket, 0, [0x01]); // COM_QUIT: a goodbye the server does not log
                        return accepts;
                    case 0xFE:
                        Send(socket, (byte)(seq + 1), []);
                        continue;
                    case 0xFF:
                        return accepts with { Message = $"{accepts.Message}; its unix_socket login for root was refused: {Error(reply)}" };
                    default:
                        return accepts;
                }
            }
            return accepts;
        }
        catch (SocketException e)
        {
            return new Answer(false, e.SocketErrorCode == SocketError.TimedOut ? $"{socketPath} did not answer in time" : $"{socketPath}: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            return new Answer(false, $"{socketPath} closed the connection during the handshake");
        }
        catch (InvalidDataException e)
        {
            return new Answer(false, e.Message);
        }
    }

    /// <summary>HandshakeResponse41 (sequence 1) for the user running the agent: unix_socket, no auth data.</summary>
    private static void Login(Socket socket)
    {
        var payload = new List<byte>(64);
        var caps = ClientLongPassword | ClientProtocol41 | ClientSecureConnection | ClientPluginAuth;
        var head = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(head, caps);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), 16u * 1024 * 1024); // max packet
        payload.AddRange(head);
        payload.Add(33);                                         // utf8_general_ci
        payload.AddRange(new byte[23]);
        payload.AddRange(Encoding.UTF8.GetBytes(ProcessIdentity.EffectiveUserId == 0 ? "root" : Environment.UserName));
        payload.Add(0);
        payload.Add(0);                                          // auth data: none
        payload.AddRange("unix_socket"u8);
        payload.Add(0);
        Send(socket, 1, [.. payload]);
    }

    private static void Send(Socket socket, byte sequence, byte[] payload)
    {
        var packet = new byte[4 + payload.Length];
        packet[0] = (byte)payload.Length;
        packet[1] = (byte)(payload.Length >> 8);
        packet[2] = (byte)(payload.Length >> 16);
        packet[3] = sequence;
        payload.CopyTo(packet, 4);
        socket.Send(packet);
    }

    private static (byte Sequence, byte[] Payload) ReadPacket(Socket socket, string socketPath)
    {
        var head = SocketRead.Exactly(socket, 4);
        var length = head[0] | head[1] << 8 | head[2] << 16;
        if (length > 65536) throw new InvalidDataException($"{socketPath} sent a {length}-byte packet: not MariaDB/MySQL");
        return (head[3], SocketRead.Exactly(socket, length));
    }

    // ERR packet: 0xFF | error code(2, LE) | ['#' SQLSTATE(5)] | message
    private static string Error(byte[] p)
    {
        if (p.Length < 3) return "an error without a code";
        var text = p.Length > 9 && p[3] == '#' ? 9 : 3;
        return $"error {p[1] | p[2] << 8}: {Encoding.UTF8.GetString(p, text, p.Length - text)}";
    }
}
