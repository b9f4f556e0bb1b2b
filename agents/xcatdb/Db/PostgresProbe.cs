using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// "Does the server accept connections?" asked the way a client does, without credentials
/// (PostgreSQL frontend/backend protocol 3.0, §55.2.1 start-up):
/// <code>
/// → StartupMessage   Int32 length | Int32 196608 (3.0) | "user" \0 USER \0 "database" \0 DB \0 \0
/// ← 'R' Int32 len …  an authentication request (or AuthenticationOk): the server accepts
/// ← 'E' Int32 len    ErrorResponse: fields (byte code, cstring)* \0 — 'C' SQLSTATE, 'M' message
/// ← 'v' …            NegotiateProtocolVersion: accepts as well
/// → Terminate        'X' Int32 4, then close — only after AuthenticationOk (Int32 0)
/// </code>
/// The server logs nothing for a client that closes the connection while it waits for a password
/// or a SASL message (psql does exactly that before prompting), but anything else sent then is
/// an error it logs: a Terminate answering AuthenticationSASL became "FATAL: expected SASL
/// response, got message type 88" in the server's log on every monitor. So the probe answers an
/// authentication request by closing, and says Terminate only in a session that began.
/// </summary>
public static class PostgresProbe
{
    public readonly record struct Answer(bool Accepts, string? SqlState, string Message);

    public static Answer Ask(string host, int port, string user, string database, Deadline deadline)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            var connect = socket.ConnectAsync(host, port);
            if (!connect.Wait(deadline.Remaining)) return new Answer(false, null, $"connecting to {host}:{port} timed out");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            return new Answer(false, null, $"no connection to {host}:{port}: {se.Message}");
        }
        socket.ReceiveTimeout = Math.Max(1, deadline.RemainingMilliseconds);
        socket.SendTimeout = Math.Max(1, deadline.RemainingMilliseconds);
        try
        {
            socket.Send(Startup(user, database));
            var head = SocketRead.Exactly(socket, 5);
            var type = (char)head[0];
            var length = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(1));
            if (length < 4 || length > 65536) return new Answer(false, null, $"{host}:{port} answered with a {length}-byte message: not PostgreSQL");
            var body = SocketRead.Exactly(socket, length - 4);
            var authenticationOk = type == 'R' && body.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(body) == 0;
            if (authenticationOk)
                try { socket.Send([(byte)'X', 0, 0, 0, 4]); } catch (SocketException) { }
            return type switch
            {
                'R' or 'v' => new Answer(true, null, "accepts connections"),
                'E' => Error(body),
                _ => new Answer(false, null, $"{host}:{port} answered message type '{type}': not PostgreSQL"),
            };
        }
        catch (SocketException e)
        {
            return new Answer(false, null, e.SocketErrorCode == SocketError.TimedOut
                ? $"{host}:{port} did not answer the start-up message in time" : $"{host}:{port}: {e.Message}");
        }
        catch (EndOfStreamException)
        {
            return new Answer(false, null, $"{host}:{port} closed the connection during start-up");
        }
    }

    private static byte[] Startup(string user, string database)
    {
        var body = new List<byte>();
        void C(string s) { body.AddRange(Encoding.UTF8.GetBytes(s)); body.Add(0); }
        C("user"); C(user); C("database"); C(database); C("application_name"); C("ocf-probe");
        body.Add(0);
        var message = new byte[8 + body.Count];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), 196608);
        body.CopyTo(message, 8);
        return message;
    }

    // ErrorResponse fields: byte code, cstring value, … terminated by a 0 byte.
    private static Answer Error(byte[] body)
    {
        string? state = null, message = null;
        var i = 0;
        while (i < body.Length && body[i] != 0)
        {
            var code = (char)body[i++];
            var end = Array.IndexOf(body, (byte)0, i);
            if (end < 0) break;
            var value = Encoding.UTF8.GetString(body, i, end - i);
            if (code == 'C') state = value;
            else if (code == 'M') message = value;
            i = end + 1;
        }
        // 57P03 cannot_connect_now: starting up, shutting down, in recovery. 28xxx: authorization
        // (e.g. no pg_hba.conf entry) — the server is up and answering, which is all we ask.
        var accepts = state is not null && state.StartsWith("28", StringComparison.Ordinal);
        return new Answer(accepts, state, message ?? "error without a message");
    }
}
