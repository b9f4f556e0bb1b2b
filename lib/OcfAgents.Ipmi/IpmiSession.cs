using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OcfAgents.Logging;
using OcfAgents.Sys;
using OcfAgents.Fencing;

namespace OcfAgents.Ipmi;

public enum IpmiInterface { Lan, LanPlus }

/// <summary>The BMC refused something with a meaningful code (wrong password, privilege, …).</summary>
public sealed class IpmiRefusedException(string message) : FenceDeviceException(message);

/// <summary>How to reach and log in to one BMC. The password is bytes, never a string in a log.</summary>
public sealed record IpmiTarget
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public string User { get; init; } = "";
    public byte[] Password { get; init; } = [];
    public required IpmiInterface Interface { get; init; }
    /// <summary>3 or 17; null asks the BMC (Get Channel Cipher Suites) and falls back to 3 quickly.</summary>
    public int? Cipher { get; init; }
    public required IpmiPrivilege Privilege { get; init; }
    /// <summary>IPMI v1.5 only: null picks MD5 when offered, else straight password.</summary>
    public byte? LanAuthType { get; init; }
    /// <summary>BMC key K_G (RMCP+); null uses the password as K_G, as most BMCs are set up.</summary>
    public byte[]? Kg { get; init; }
    public TimeSpan PacketTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public int Attempts { get; init; } = 4;
}

/// <summary>
/// An authenticated IPMI session with one BMC, opened the way the spec orders it:
///
/// lanplus (IPMI v2.0, §13.15–13.28): Get Channel Authentication Capabilities → [Get Channel
/// Cipher Suites] → Open Session → RAKP 1/2 → RAKP 3/4 → Set Session Privilege Level → commands
/// (authenticated with K1, encrypted with K2) → Close Session.
///
/// lan (IPMI v1.5, §22.13–22.19): Get Channel Authentication Capabilities → Get Session
/// Challenge → Activate Session (MD5 or straight password auth code) → Set Session Privilege
/// Level → commands → Close Session.
/// </summary>
public sealed class IpmiSession : IDisposable
{
    private readonly IpmiTarget _target;
    private readonly IpmiTransport _transport;
    private readonly Log _log;
    private byte _rqSeq;
    // v2.0 state
    private SessionKeys? _keys;
    private uint _consoleId, _bmcId, _outSeq;
    // v1.5 state
    private byte _authType;
    private byte[] _password16 = new byte[16];
    private uint _sessionId;
    private bool _open;

    public CipherSuite? Suite => _keys?.Suite;

    private IpmiSession(IpmiTarget target, Deadline deadline, Log log)
    {
        _target = target;
        _log = log;
        _transport = new IpmiTransport(target.Host, target.Port, deadline) { PacketTimeout = target.PacketTimeout, Attempts = target.Attempts };
    }

    public static IpmiSession Open(IpmiTarget target, Deadline deadline, Log log)
    {
        // The spec's limits, before anything is sent (fence_ipmi's validate-all checks them too).
        if (Encoding.UTF8.GetByteCount(target.User) > 16) throw new IpmiRefusedException("IPMI user names are at most 16 bytes");
        var maxPassword = target.Interface == IpmiInterface.LanPlus ? 20 : 16;
        if (target.Password.Length > maxPassword) throw new IpmiRefusedException($"IPMI {(maxPassword == 20 ? "v2.0" : "v1.5")} passwords are at most {maxPassword} bytes");
        var session = new IpmiSession(target, deadline, log);
        try
        {
            if (target.Interface == IpmiInterface.LanPlus) session.OpenV20();
            else session.OpenV15();
            session.SetPrivilege();
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    // ---- commands ------------------------------------------------------------------------------

    /// <summary>Get Chassis Status (§28.2): bit 0 of "current power state" is power on.</summary>
    public bool IsPowerOn()
    {
        var data = Command("Get Chassis Status", IpmiCommand.NetFnChassis, IpmiCommand.GetChassisStatus, []);
        if (data.Length < 3) throw new IpmiProtocolException($"Get Chassis Status returned {data.Length} data bytes, fewer than 3");
        return (data[0] & 0x01) != 0;
    }

    public void Control(ChassisControl control) =>
        Command($"Chassis Control ({control})", IpmiCommand.NetFnChassis, IpmiCommand.ChassisControl, [(byte)control]);

    /// <summary>Close Session (§22.19). Best effort, one short attempt: the session times out anyway.</summary>
    public void Close()
    {
        if (!_open) return;
        _open = false;
        var id = _keys is null ? _sessionId : _bmcId;
        try
        {
            var data = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(data, id);
            Command("Close Session", IpmiCommand.NetFnApp, IpmiCommand.CloseSession, data, attempts: 1, packetTimeout: TimeSpan.FromMilliseconds(300));
        }
        catch (FenceDeviceException e)
        {
            _log.Debug($"close session: {e.Message}");
        }
    }

    public void Dispose()
    {
        Close();
        _transport.Dispose();
    }

    private void SetPrivilege()
    {
        var reply = Command("Set Session Privilege Level", IpmiCommand.NetFnApp, IpmiCommand.SetSessionPrivilegeLevel, [(byte)_target.Privilege]);
        _log.Debug($"session privilege {(IpmiPrivilege)(reply.Length > 0 ? reply[0] : 0)}");
    }

    /// <summary>Sends one IPMI request inside the session and returns the response data (after the completion code).</summary>
    private byte[] Command(string what, byte netFn, byte cmd, byte[] data, int? attempts = null, TimeSpan? packetTimeout = null)
    {
        var rqSeq = _rqSeq = (byte)((_rqSeq + 1) & 0x3F);
        var message = IpmiMessage.Request(netFn, cmd, rqSeq, data);
        var response = _transport.Exchange(what, _ => Wrap(message), packet =>
        {
            var m = Unwrap(packet);
            if (m is null) return null;
            var r = IpmiMessage.ParseResponse(m);
            return r.RqSeq == rqSeq && r.Cmd == cmd && r.NetFn == (netFn | 1) ? r : null;
        }, attempts, packetTimeout) ?? throw new InvalidOperationException();
        if (response.CompletionCode != 0)
            throw new IpmiRefusedException($"{what}: BMC completion code 0x{response.CompletionCode:x2} ({CompletionCodes.Describe(cmd, response.CompletionCode)})");
        return response.Data;
    }

    // Wraps an IPMI message for the current session state; unauthenticated before a session exists.
    private byte[] Wrap(byte[] message)
    {
        if (_keys is { } keys)
        {
            var seq = ++_outSeq;
            return Rmcp.V20(PayloadType.Ipmi, true, _bmcId, seq, keys.Encrypt(message), b => keys.AuthCode(b));
        }
        if (_open)
        {
            var seq = _outSeq++;
            return Rmcp.V15(_authType, seq, _sessionId, V15AuthCode(_sessionId, message, seq), message);
        }
        return Rmcp.V15(AuthType.None, 0, 0, [], message);
    }

    // The IPMI message inside a reply, after the session's checks; null when the packet is not for us.
    private byte[]? Unwrap(byte[] packet)
    {
        if (_keys is { } keys)
        {
            var p = Rmcp.ParseV20(packet, keys.Suite.IntegrityLength);
            if (p.SessionId != _consoleId || p.PayloadType != PayloadType.Ipmi) return null;
            if (!p.Authenticated || !p.Encrypted) throw new IpmiProtocolException("BMC reply inside the session is not authenticated and encrypted");
            if (!CryptographicOperations.FixedTimeEquals(keys.AuthCode(packet.AsSpan(4, p.IntegrityEnd - 4)), p.AuthCode))
                throw new IpmiProtocolException("BMC reply fails the session integrity check");
            return keys.Decrypt(p.Payload);
        }
        if (packet.Length > 4 && packet[4] == Rmcp.AuthTypeRmcpPlus)
        {
            var p = Rmcp.ParseV20(packet, 0);
            return p.SessionId == 0 && p.PayloadType == PayloadType.Ipmi && !p.Authenticated ? p.Payload : null;
        }
        var v15 = Rmcp.ParseV15(packet);
        if (_open)
        {
            if (v15.SessionId != _sessionId) return null;
            if (v15.AuthType != _authType)
                throw new IpmiProtocolException($"BMC reply uses auth type {v15.AuthType}, the session {_authType}");
            if (!CryptographicOperations.FixedTimeEquals(V15AuthCode(_sessionId, v15.Message, v15.Seq), v15.AuthCode))
                throw new IpmiProtocolException("BMC reply fails the IPMI v1.5 authentication check");
        }
        return v15.Message;
    }

    // ---- IPMI v1.5 -----------------------------------------------------------------------------

    private void OpenV15()
    {
        var caps = GetAuthCapabilities(v20: false);
        var offered = caps.Length > 1 ? caps[1] : (byte)0;
        _authType = _target.LanAuthType ?? ((offered & (1 << AuthType.Md5)) != 0 ? AuthType.Md5
            : (offered & (1 << AuthType.Password)) != 0 ? AuthType.Password
            : throw new IpmiRefusedException($"BMC {_transport.Peer} offers neither MD5 nor password authentication for IPMI v1.5 (auth type mask 0x{offered:x2})"));
        // Auth type none is refused like cipher suites 0–2: its replies carry no authentication,
        // so anyone on the management LAN can answer "power is off" for a node still running.
        if (_authType is not (AuthType.Md5 or AuthType.Password))
            throw new IpmiRefusedException($"IPMI v1.5 auth type {AuthName(_authType)} is refused: its replies are not authenticated and could be forged (use md5 or password, or lanplus)");
        if ((offered & (1 << _authType)) == 0)
            throw new IpmiRefusedException($"BMC {_transport.Peer} does not offer IPMI v1.5 auth type {AuthName(_authType)} (mask 0x{offered:x2})");
        _password16 = new byte[16];
        _target.Password.CopyTo(_password16, 0);

        var user16 = new byte[16];
        Encoding.UTF8.GetBytes(_target.User, user16);
        var challenge = Command("Get Session Challenge", IpmiCommand.NetFnApp, IpmiCommand.GetSessionChallenge, [_authType, .. user16]);
        if (challenge.Length != 20) throw new IpmiProtocolException($"Get Session Challenge returned {challenge.Length} data bytes, not 20");
        var tempId = BinaryPrimitives.ReadUInt32LittleEndian(challenge);

        // Activate Session is the first authenticated message: temporary session id, sequence 0.
        var initialOut = SecureRandom.NonZeroId();
        var activateData = new byte[22];
        activateData[0] = _authType;
        activateData[1] = (byte)_target.Privilege;
        challenge.AsSpan(4, 16).CopyTo(activateData.AsSpan(2));
        BinaryPrimitives.WriteUInt32LittleEndian(activateData.AsSpan(18), initialOut);
        _sessionId = tempId;
        _outSeq = 0;
        _open = true;
        byte[] activated;
        try
        {
            activated = Command("Activate Session (wrong user name or password?)", IpmiCommand.NetFnApp, IpmiCommand.ActivateSession, activateData);
        }
        catch { _open = false; throw; }
        if (activated.Length < 10) throw new IpmiProtocolException($"Activate Session returned {activated.Length} data bytes, fewer than 10");
        _sessionId = BinaryPrimitives.ReadUInt32LittleEndian(activated.AsSpan(1));
        _outSeq = BinaryPrimitives.ReadUInt32LittleEndian(activated.AsSpan(5));
        if (_outSeq == 0) _outSeq = 1;
        _log.Debug($"IPMI v1.5 session 0x{_sessionId:x8} open with {AuthName(_authType)} authentication");
    }

    /// <summary>MD5: MD5(password | session id | message | sequence | password); straight password: the password (§22.17.1).</summary>
    private byte[] V15AuthCode(uint sessionId, byte[] message, uint seq)
    {
        if (_authType == AuthType.Password) return _password16;
        var id = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(id, sessionId);
        var sq = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(sq, seq);
        return Md5.Hash([.. _password16, .. id, .. message, .. sq, .. _password16]);
    }

    private static string AuthName(byte t) => t switch { AuthType.Md5 => "MD5", AuthType.Password => "straight password", AuthType.None => "none", _ => $"type {t}" };

    /// <summary>
    /// Get Channel Authentication Capabilities (§22.13) on the current channel (0x0E); bit 7 of the
    /// channel byte asks for IPMI v2.0 extended data. Response: channel | auth type mask |
    /// status | extended capabilities (bit 1: IPMI v2.0) | OEM id (3) | OEM data.
    /// </summary>
    private byte[] GetAuthCapabilities(bool v20)
    {
        var caps = Command("Get Channel Authentication Capabilities", IpmiCommand.NetFnApp, IpmiCommand.GetChannelAuthCapabilities,
            [(byte)(0x0E | (v20 ? 0x80 : 0)), (byte)_target.Privilege]);
        if (caps.Length < 8) throw new IpmiProtocolException($"Get Channel Authentication Capabilities returned {caps.Length} data bytes, not 8");
        return caps;
    }

    // ---- IPMI v2.0 / RMCP+ ---------------------------------------------------------------------

    private void OpenV20()
    {
        var caps = GetAuthCapabilities(v20: true);
        if ((caps[1] & 0x80) == 0 || (caps[3] & 0x02) == 0)
            throw new IpmiRefusedException($"BMC {_transport.Peer} does not support IPMI v2.0 (lanplus); use interface lan");
        var suite = _target.Cipher is { } c
            ? CipherSuite.ById(c) ?? throw new IpmiRefusedException($"cipher suite {c} is not supported (use 3 or 17)")
            : NegotiateSuite();
        var password = CipherSuite.Key20(_target.Password);
        var kg = _target.Kg is { } k ? CipherSuite.Key20(k) : password;
        var user = Encoding.UTF8.GetBytes(_target.User);

        _consoleId = SecureRandom.NonZeroId();
        var tag = SecureRandom.Bytes(1)[0];
        var opened = RmcpPlusMessages.OpenSessionResponse.Parse(SessionSetup("Open Session", PayloadType.OpenSessionRequest,
            PayloadType.OpenSessionResponse, RmcpPlusMessages.OpenSessionRequest(tag, _consoleId, suite), tag));
        if (opened.ConsoleSessionId != _consoleId) throw new IpmiProtocolException("Open Session Response carries another console session id");
        if (!opened.Matches(suite)) throw new IpmiProtocolException($"BMC answered Open Session with other algorithms than cipher suite {suite.Id}");
        _bmcId = opened.BmcSessionId;

        // Role bit 4: the BMC looks the user up by name only.
        var rm = SecureRandom.Bytes(16);
        var role = (byte)(0x10 | (byte)_target.Privilege);
        tag++;
        var rakp2 = RmcpPlusMessages.Rakp2.Parse(SessionSetup("RAKP 1", PayloadType.Rakp1, PayloadType.Rakp2,
            RmcpPlusMessages.Rakp1(tag, _bmcId, rm, role, user), tag), suite);
        if (rakp2.ConsoleSessionId != _consoleId) throw new IpmiProtocolException("RAKP 2 carries another console session id");
        var sidM = Le(_consoleId);
        var sidC = Le(_bmcId);
        var expected2 = suite.Hmac(password, [.. sidM, .. sidC, .. rm, .. rakp2.Rc, .. rakp2.Guid, role, (byte)user.Length, .. user]);
        if (!CryptographicOperations.FixedTimeEquals(expected2, rakp2.KeyExchangeCode))
            throw new IpmiRefusedException($"BMC {_transport.Peer} rejected the login: wrong password for user '{_target.User}' (RAKP 2 key exchange code mismatch)");

        _keys = null;
        var keys = new SessionKeys(suite, kg, rm, rakp2.Rc, role, user);
        tag++;
        var code3 = suite.Hmac(password, [.. rakp2.Rc, .. sidM, role, (byte)user.Length, .. user]);
        var rakp4 = RmcpPlusMessages.Rakp4.Parse(SessionSetup("RAKP 3", PayloadType.Rakp3, PayloadType.Rakp4,
            RmcpPlusMessages.Rakp3(tag, _bmcId, code3), tag), suite);
        if (rakp4.ConsoleSessionId != _consoleId) throw new IpmiProtocolException("RAKP 4 carries another console session id");
        var icv = suite.Hmac(keys.Sik, [.. rm, .. sidC, .. rakp2.Guid])[..suite.IntegrityLength];
        if (!CryptographicOperations.FixedTimeEquals(icv, rakp4.IntegrityCheckValue))
            throw new IpmiProtocolException("RAKP 4 integrity check value does not match the session key (wrong BMC key K_G?)");
        _keys = keys;
        _outSeq = 0;
        _open = true;
        _log.Debug($"RMCP+ session 0x{_bmcId:x8} open with cipher suite {suite.Id}");
    }

    private static byte[] Le(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }

    /// <summary>One pre-session RMCP+ exchange matched by message tag; a non-zero status is the BMC's refusal.</summary>
    private byte[] SessionSetup(string what, byte requestType, byte responseType, byte[] payload, byte tag)
    {
        var reply = _transport.Exchange(what, _ => Rmcp.V20(requestType, false, 0, 0, payload, null), packet =>
        {
            var p = Rmcp.ParseV20(packet, 0);
            if (p.PayloadType != responseType || p.Payload.Length < 2 || p.Payload[0] != tag) return null;
            return p.Payload;
        });
        if (reply[1] != 0)
            throw new IpmiRefusedException($"BMC {_transport.Peer} refused {what}: {RakpStatus.Describe(reply[1], _target)}");
        return reply;
    }

    /// <summary>
    /// Get Channel Cipher Suites (§22.15), asked once with a short wait: ipmi_sim and some BMCs never
    /// answer it, and ipmitool then stalls for 10 s. Suite 17 when offered, else 3.
    /// </summary>
    private CipherSuite NegotiateSuite()
    {
        var records = new List<byte>();
        try
        {
            for (byte index = 0; index < 0x40; index++)
            {
                var data = Command("Get Channel Cipher Suites", IpmiCommand.NetFnApp, IpmiCommand.GetChannelCipherSuites,
                    [0x0E, 0x00, (byte)(0x80 | index)], attempts: 1, packetTimeout: TimeSpan.FromMilliseconds(250));
                if (data.Length < 1) break;
                records.AddRange(data.AsSpan(1).ToArray());
                if (data.Length < 17) break;
            }
        }
        catch (Exception e) when (e is IpmiTimeoutException or IpmiRefusedException)
        {
            _log.Debug($"cipher suite list unavailable ({e.Message}); using cipher suite 3");
            return CipherSuite.Suite3;
        }
        var ids = CipherSuiteRecords.Ids(records.ToArray());
        var chosen = ids.Contains(17) ? CipherSuite.Suite17 : ids.Contains(3) ? CipherSuite.Suite3 : null;
        _log.Debug($"BMC offers cipher suites {string.Join(",", ids)}; using cipher suite {chosen?.Id.ToString() ?? "none"}");
        if (chosen is not null) return chosen;
        throw new IpmiRefusedException($"BMC {_transport.Peer} offers cipher suites {string.Join(",", ids)}; we speak 3 and 17");
    }
}

/// <summary>Cipher suite records (§22.15.1): 0xC0 id auth integrity conf, or 0xC1 id IANA(3) auth integrity conf.</summary>
public static class CipherSuiteRecords
{
    public static List<int> Ids(ReadOnlySpan<byte> records)
    {
        var ids = new List<int>();
        var i = 0;
        while (i < records.Length)
        {
            if (records[i] == 0xC0 && i + 1 < records.Length) { ids.Add(records[i + 1]); i += 2; }
            else if (records[i] == 0xC1 && i + 1 < records.Length) { ids.Add(records[i + 1]); i += 5; }
            else i++;
        }
        return ids;
    }
}

/// <summary>RMCP+ status codes in Open Session / RAKP replies (§13.24, table 13-15).</summary>
public static class RakpStatus
{
    public static string Describe(byte status, IpmiTarget target) => status switch
    {
        0x01 => "insufficient resources to create a session (the BMC's sessions are all in use)",
        0x02 => "invalid session id",
        0x04 => "authentication algorithm not supported by the BMC",
        0x05 => "integrity algorithm not supported by the BMC",
        0x09 => "invalid role",
        0x0A => $"user '{target.User}' may not have privilege {target.Privilege} (lower privlvl)",
        0x0D => $"unknown user name '{target.User}'",
        0x0F => "invalid integrity check value (wrong BMC key K_G?)",
        0x10 => "confidentiality algorithm not supported by the BMC",
        0x11 => "no cipher suite matches the proposed algorithms (try the other cipher suite)",
        0x12 => "illegal or unrecognized parameter",
        _ => $"status 0x{status:x2}",
    };
}

/// <summary>Completion codes (§5.2, table 5-2) and the per-command ones that matter for login.</summary>
public static class CompletionCodes
{
    public static string Describe(byte cmd, byte cc) => (cmd, cc) switch
    {
        (IpmiCommand.GetSessionChallenge, 0x81) => "invalid user name",
        (IpmiCommand.GetSessionChallenge, 0x82) => "null user name is not enabled",
        (IpmiCommand.ActivateSession, 0x81) => "no session slot available",
        (IpmiCommand.ActivateSession, 0x84 or 0x86) => "requested privilege level exceeds the user's or channel's limit",
        (IpmiCommand.SetSessionPrivilegeLevel, 0x80 or 0x81 or 0x82) => "requested privilege level is not available for this user (lower privlvl)",
        (_, 0xC0) => "node busy",
        (_, 0xC1) => "invalid command",
        (_, 0xC3) => "timeout while processing the command",
        (_, 0xC7 or 0xC8) => "request data length invalid",
        (_, 0xCC) => "invalid data field in request",
        (_, 0xD4) => "insufficient privilege level",
        (_, 0xD5) => "command not supported in present state",
        (_, 0xFF) => "unspecified error",
        _ => "see IPMI v2.0 table 5-2",
    };
}
