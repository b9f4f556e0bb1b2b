using System.Net;
using System.Net.Sockets;
using OcfAgents.Fencing;
using OcfAgents.Sys;

namespace OcfAgents.Ipmi;

/// <summary>Nothing usable came back from the BMC before the retries or the deadline ran out.</summary>
public sealed class IpmiTimeoutException(string message) : FenceDeviceException(message);

public sealed class IpmiUnreachableException(string message) : FenceDeviceException(message);

/// <summary>
/// One UDP socket to the BMC. Each exchange sends a request and waits for a reply that
/// <c>accept</c> recognises; a datagram that does not parse or does not match (a late reply to an
/// earlier retransmission, say) is skipped. Retransmissions are rebuilt by the caller (new session
/// sequence number, same rqSeq), and every wait is cut to what is left of the action's deadline.
///
/// | per exchange            | value                                                  |
/// |-------------------------|--------------------------------------------------------|
/// | wait for one reply      | PacketTimeout, cut to the deadline                     |
/// | attempts                | Attempts (first send + retransmissions)                |
/// | garbled datagrams       | skipped; the last parse error names the failure         |
/// </summary>
public sealed class IpmiTransport : IDisposable
{
    private readonly UdpSocket _socket;
    private readonly byte[] _buffer = new byte[1024];
    public Deadline Deadline { get; }
    public TimeSpan PacketTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public int Attempts { get; init; } = 4;
    public string Peer { get; }

    public IpmiTransport(string host, int port, Deadline deadline)
    {
        Deadline = deadline;
        var address = Resolve(host, deadline);
        Peer = $"{host}:{port}";
        try { _socket = new UdpSocket(address, port); }
        catch (UdpException e) { throw new IpmiUnreachableException($"cannot reach BMC {Peer}: {e.Message}"); }
    }

    private static IPAddress Resolve(string host, Deadline deadline)
    {
        try { return Tcp.Resolve(host, deadline); }
        catch (TcpException e) { throw new IpmiUnreachableException($"cannot reach the BMC: {e.Message}"); }
    }

    /// <summary>
    /// Sends <paramref name="build"/>(attempt) and returns the first reply <paramref name="accept"/>
    /// turns into a value (null: not ours, keep waiting).
    /// </summary>
    public T Exchange<T>(string what, Func<int, byte[]> build, Func<byte[], T?> accept, int? attempts = null, TimeSpan? packetTimeout = null)
        where T : class
    {
        string? lastError = null;
        var tries = attempts ?? Attempts;
        for (var attempt = 0; attempt < tries && !Deadline.Expired; attempt++)
        {
            try { _socket.Send(build(attempt)); }
            catch (UdpException e) { lastError = e.Message; }
            var until = Deadline.Elapsed + Min(packetTimeout ?? PacketTimeout, Deadline.Remaining);
            while (Deadline.Elapsed < until)
            {
                var wait = until - Deadline.Elapsed;
                try { if (!_socket.WaitReadable(wait)) continue; }
                catch (UdpException e) { throw new IpmiUnreachableException($"BMC {Peer}: {e.Message}"); }
                int n;
                try { n = _socket.Receive(_buffer); }
                catch (UdpException e)
                {
                    // ICMP port unreachable surfaces here as ECONNREFUSED: nobody listens.
                    lastError = e.IsConnectionRefused ? "connection refused (nothing listens on that UDP port)" : e.Message;
                    Thread.Sleep(Min(TimeSpan.FromMilliseconds(50), until - Deadline.Elapsed));
                    continue;
                }
                try
                {
                    if (accept(_buffer[..n]) is { } value) return value;
                }
                catch (IpmiProtocolException e) { lastError = e.Message; }
            }
        }
        var why = lastError is null ? "no reply" : $"no valid reply ({lastError})";
        var when = Deadline.Expired ? "timed out at the action's deadline" : $"after {tries} attempts";
        throw new IpmiTimeoutException($"{what}: {why} from BMC {Peer}, {when}");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public void Dispose() => _socket.Dispose();
}
