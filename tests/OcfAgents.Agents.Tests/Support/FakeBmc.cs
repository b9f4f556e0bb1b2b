using OcfAgents.TestSupport;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using OcfAgents.Ipmi;

namespace OcfAgents.Agents.Tests.Support;

public enum BmcFault
{
    None,
    /// <summary>Never answers Get Channel Cipher Suites (as ipmi_sim does to ipmitool's form).</summary>
    NoCipherSuiteList,
    /// <summary>Answers every in-session request with bytes that are not a valid RMCP+ packet.</summary>
    GarbleInSession,
    /// <summary>Stops answering once the session is open.</summary>
    StallInSession,
}

/// <summary>
/// A BMC that speaks RMCP+ with cipher suites 3 and 17 on a loopback UDP port — the stand-in
/// for suite 17, which ipmi_sim lacks. Proven faithful by the real `ipmitool -I lanplus -C 17`.
/// Users: admin/secret (administrator) and oper/operpass (operator). Packets handled:
///
/// | packet                                    | answer                                          |
/// |-------------------------------------------|-------------------------------------------------|
/// | sessionless IPMI (v1.5 or RMCP+ session 0)| Get Channel Auth Capabilities, Get Channel Cipher Suites, Get Device ID |
/// | Open Session Request                      | suite 3 or 17 by the proposed algorithms        |
/// | RAKP 1 / RAKP 3                           | RAKP 2 / RAKP 4 (status 0x0D unknown user, 0x0A role above the user's limit, 0x0F bad RAKP 3 code) |
/// | in-session IPMI (integrity + AES checked) | Set Session Privilege, Get Chassis Status, Chassis Control, Close Session; else CC 0xC1 |
/// </summary>
public sealed class FakeBmc : IDisposable
{
    public const string User = "admin", Password = "secret";
    private static readonly Dictionary<string, (string Password, byte Limit)> Users = new()
    {
        [User] = (Password, 4),
        ["oper"] = ("operpass", 3),
    };
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread _thread;
    private readonly object _lock = new();
    private readonly List<string> _events = [];
    private volatile bool _stopped;
    private bool _power = true;

    public int Port { get; }
    public BmcFault Fault { get; set; }
    /// <summary>Applied to every reply before it is sent: a fuzzer's mutations (null: sent as built).</summary>
    public Func<byte[], byte[]>? Mangle { get; set; }

    public FakeBmc()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _thread = new Thread(Serve) { IsBackground = true, Name = "fake-bmc" };
        _thread.Start();
    }

    public bool PowerOn { get { lock (_lock) return _power; } set { lock (_lock) _power = value; } }
    public string[] Events { get { lock (_lock) return [.. _events]; } }
    public void ClearEvents() { lock (_lock) _events.Clear(); }
    private void Event(string e) { lock (_lock) _events.Add(e); }

    private sealed class Session
    {
        public required uint ConsoleId, BmcId;
        public required CipherSuite Suite;
        public byte[] Rm = [], Rc = [], Guid = [], UserName = [];
        public byte Role;
        public string Password = "";
        public SessionKeys? Keys;
        public uint OutSeq;
    }

    private readonly Dictionary<uint, Session> _sessions = [];

    private void Serve()
    {
        var buffer = new byte[2048];
        while (!_stopped)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n;
            try { n = _socket.ReceiveFrom(buffer, ref from); }
            catch (SocketException) { continue; }
            catch (ObjectDisposedException) { return; }
            try
            {
                if (Handle(buffer[..n]) is { } reply) _socket.SendTo(Mangle is { } mangle ? mangle(reply) : reply, from);
            }
            catch (IpmiProtocolException) { /* a real BMC drops what it cannot parse */ }
        }
    }

    private byte[]? Handle(byte[] packet)
    {
        if (packet.Length > 4 && packet[4] != Rmcp.AuthTypeRmcpPlus)
        {
            var v15 = Rmcp.ParseV15(packet);
            return Sessionless(v15.Message) is { } m ? Rmcp.V15(AuthType.None, 0, 0, [], m) : null;
        }
        var authCodeLength = packet.Length > 5 && (packet[5] & 0x40) != 0 ? IntegrityLength(packet) : 0;
        var head = Rmcp.ParseV20(packet, authCodeLength);
        switch (head.PayloadType)
        {
            case PayloadType.Ipmi when head.SessionId == 0:
                return Sessionless(head.Payload) is { } m ? Rmcp.V20(PayloadType.Ipmi, false, 0, 0, m, null) : null;
            case PayloadType.Ipmi:
                return InSession(packet, head);
            case PayloadType.OpenSessionRequest:
                return OpenSession(head.Payload);
            case PayloadType.Rakp1:
                return Rakp1(head.Payload);
            case PayloadType.Rakp3:
                return Rakp3(head.Payload);
            default:
                return null;
        }
    }

    private int IntegrityLength(byte[] packet)
    {
        var id = BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(6));
        return _sessions.TryGetValue(id, out var s) ? s.Suite.IntegrityLength : 0;
    }

    private byte[]? Sessionless(byte[] message)
    {
        var rq = IpmiBmcSide.ParseRequest(message);
        byte[] Reply(byte cc, params byte[] data) => IpmiBmcSide.BuildResponse(rq.NetFn, rq.Cmd, rq.RqSeq, cc, data);
        return (rq.NetFn, rq.Cmd) switch
        {
            // channel 1 | auth types: bit 7 = IPMI v2.0 extended data | status | ext caps: bit 1 = IPMI v2.0 | OEM id(3) | OEM aux
            (IpmiCommand.NetFnApp, IpmiCommand.GetChannelAuthCapabilities) => Reply(0, 0x01, 0x80, 0x04, 0x02, 0, 0, 0, 0),
            // channel | records: C0 id auth integrity|0x40 conf|0x80 — suites 3 and 17, one list of 10 bytes
            (IpmiCommand.NetFnApp, IpmiCommand.GetChannelCipherSuites) when Fault == BmcFault.NoCipherSuiteList => null,
            (IpmiCommand.NetFnApp, IpmiCommand.GetChannelCipherSuites) =>
                (rq.Data.Length >= 3 && (rq.Data[2] & 0x3F) == 0) ? Reply(0, 0x01, 0xC0, 3, 0x01, 0x41, 0x81, 0xC0, 17, 0x03, 0x44, 0x81) : Reply(0, 0x01),
            // Get Device ID: device 0x20, rev 1, firmware 1.00, IPMI 2.0, support bits, IANA 0x001291, product 0x0f02
            (IpmiCommand.NetFnApp, 0x01) => Reply(0, 0x20, 0x01, 0x01, 0x00, 0x02, 0x9F, 0x91, 0x12, 0x00, 0x02, 0x0F),
            _ => Reply(0xC1),
        };
    }

    // Open Session Request: tag | max priv | reserved(2) | console id(4) | auth | integrity | confidentiality payloads.
    private byte[] OpenSession(byte[] p)
    {
        if (p.Length < 32) throw new IpmiProtocolException("short Open Session Request");
        var (auth, integrity, conf) = (p[12], p[20], p[28]);
        var suite = (auth, integrity, conf) switch
        {
            (0x01, 0x01, 0x01) => CipherSuite.Suite3,
            (0x03, 0x04, 0x01) => CipherSuite.Suite17,
            _ => null,
        };
        var consoleId = BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(4));
        var bmcId = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        // Status 0x11: no cipher suite match with proposed security algorithms.
        if (suite is null) return Rmcp.V20(PayloadType.OpenSessionResponse, false, 0, 0, [p[0], 0x11, 0, 0, .. p.AsSpan(4, 4)], null);
        _sessions[bmcId] = new Session { ConsoleId = consoleId, BmcId = bmcId, Suite = suite };
        Event($"open session suite {suite.Id}");
        byte[] reply = [p[0], 0, 0x04, 0, .. p.AsSpan(4, 4), .. Le(bmcId), .. p.AsSpan(8, 24)];
        return Rmcp.V20(PayloadType.OpenSessionResponse, false, 0, 0, reply, null);
    }

    // RAKP 1: tag | reserved(3) | BMC id(4) | Rm(16) | role | reserved(2) | name length | name.
    private byte[]? Rakp1(byte[] p)
    {
        if (p.Length < 28 || !_sessions.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(4)), out var s)) return null;
        s.Rm = p[8..24];
        s.Role = p[24];
        s.UserName = p.AsSpan(28, Math.Min(p[27], p.Length - 28)).ToArray();
        s.Rc = RandomNumberGenerator.GetBytes(16);
        s.Guid = RandomNumberGenerator.GetBytes(16);
        if (!Users.TryGetValue(Encoding.ASCII.GetString(s.UserName), out var user))
            return Rmcp.V20(PayloadType.Rakp2, false, 0, 0, [p[0], 0x0D, 0, 0, .. Le(s.ConsoleId)], null);
        if ((s.Role & 0x0F) > user.Limit)
            return Rmcp.V20(PayloadType.Rakp2, false, 0, 0, [p[0], 0x0A, 0, 0, .. Le(s.ConsoleId)], null);
        s.Password = user.Password;
        var code = s.Suite.Hmac(CipherSuite.Key20(Encoding.ASCII.GetBytes(s.Password)),
            [.. Le(s.ConsoleId), .. Le(s.BmcId), .. s.Rm, .. s.Rc, .. s.Guid, s.Role, (byte)s.UserName.Length, .. s.UserName]);
        return Rmcp.V20(PayloadType.Rakp2, false, 0, 0, [p[0], 0, 0, 0, .. Le(s.ConsoleId), .. s.Rc, .. s.Guid, .. code], null);
    }

    // RAKP 3: tag | status | reserved(2) | BMC id(4) | HMAC_KUID(Rc | SIDm | role | name length | name).
    private byte[]? Rakp3(byte[] p)
    {
        if (p.Length < 8 || !_sessions.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(4)), out var s)) return null;
        var kuid = CipherSuite.Key20(Encoding.ASCII.GetBytes(s.Password));
        var expected = s.Suite.Hmac(kuid, [.. s.Rc, .. Le(s.ConsoleId), s.Role, (byte)s.UserName.Length, .. s.UserName]);
        if (!CryptographicOperations.FixedTimeEquals(expected, p.AsSpan(8)))
            return Rmcp.V20(PayloadType.Rakp4, false, 0, 0, [p[0], 0x0F, 0, 0, .. Le(s.ConsoleId)], null);
        s.Keys = new SessionKeys(s.Suite, kuid, s.Rm, s.Rc, s.Role, s.UserName);
        var icv = s.Suite.Hmac(s.Keys.Sik, [.. s.Rm, .. Le(s.BmcId), .. s.Guid])[..s.Suite.IntegrityLength];
        Event("session active");
        return Rmcp.V20(PayloadType.Rakp4, false, 0, 0, [p[0], 0, 0, 0, .. Le(s.ConsoleId), .. icv], null);
    }

    private byte[]? InSession(byte[] packet, Rmcp.V20Packet head)
    {
        if (!_sessions.TryGetValue(head.SessionId, out var s) || s.Keys is not { } keys) return null;
        if (!head.Authenticated || !head.Encrypted) return null;
        if (!CryptographicOperations.FixedTimeEquals(keys.AuthCode(packet.AsSpan(4, head.IntegrityEnd - 4)), head.AuthCode)) return null;
        if (Fault == BmcFault.StallInSession) return null;
        if (Fault == BmcFault.GarbleInSession) return [0x06, 0x00, 0xFF, 0x07, 0x06, 0xC0, .. RandomNumberGenerator.GetBytes(40)];
        var rq = IpmiBmcSide.ParseRequest(keys.Decrypt(head.Payload));
        byte[] data = [];
        byte cc = 0;
        switch (rq.NetFn, rq.Cmd)
        {
            case (IpmiCommand.NetFnApp, IpmiCommand.SetSessionPrivilegeLevel):
                data = [(byte)(rq.Data.Length > 0 && rq.Data[0] != 0 ? rq.Data[0] : 0x04)];
                break;
            case (IpmiCommand.NetFnApp, IpmiCommand.CloseSession):
                _sessions.Remove(s.BmcId);
                Event("close session");
                break;
            case (IpmiCommand.NetFnChassis, IpmiCommand.GetChassisStatus):
                // current power state (bit 0 on) | last power event | misc chassis state | front panel
                data = [(byte)(PowerOn ? 0x01 : 0x00), 0x00, 0x00, 0x00];
                break;
            case (IpmiCommand.NetFnChassis, IpmiCommand.ChassisControl) when rq.Data.Length >= 1:
                var control = (ChassisControl)rq.Data[0];
                Event($"chassis control {control}");
                if (control is ChassisControl.PowerDown or ChassisControl.SoftShutdown) PowerOn = false;
                else if (control is ChassisControl.PowerUp or ChassisControl.PowerCycle or ChassisControl.HardReset) PowerOn = true;
                else cc = 0xCC;
                break;
            default:
                cc = 0xC1;
                break;
        }
        var response = IpmiBmcSide.BuildResponse(rq.NetFn, rq.Cmd, rq.RqSeq, cc, data);
        return Rmcp.V20(PayloadType.Ipmi, true, s.ConsoleId, ++s.OutSeq, keys.Encrypt(response), b => keys.AuthCode(b));
    }

    private static byte[] Le(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
        _thread.Join(2000);
    }
}
