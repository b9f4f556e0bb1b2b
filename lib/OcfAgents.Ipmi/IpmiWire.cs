using System.Buffers.Binary;
using OcfAgents.Fencing;

namespace OcfAgents.Ipmi;

/// <summary>A reply that does not follow the wire format: garbled, truncated or foreign.</summary>
public sealed class IpmiProtocolException(string message) : FenceDeviceException("garbled reply from the device: " + message);

/// <summary>
/// An IPMI request or response message (IPMI v2.0 §13.8, table 13-4 for LAN):
///
/// request:  rsAddr | netFn&lt;&lt;2 | rsLUN | chk1 | rqAddr | rqSeq&lt;&lt;2 | rqLUN | cmd | data… | chk2
/// response: rqAddr | netFn&lt;&lt;2 | rqLUN | chk1 | rsAddr | rqSeq&lt;&lt;2 | rsLUN | cmd | cc | data… | chk2
///
/// chk1 covers the two bytes before it and chk2 everything between chk1 and itself; each is the
/// two's complement of the 8-bit sum, so a covered range plus its checksum sums to zero.
/// </summary>
public static class IpmiMessage
{
    public const byte BmcAddress = 0x20;          // rsAddr: the BMC's slave address
    public const byte RemoteConsoleSwid = 0x81;   // rqAddr: remote console software ID

    public static byte[] Request(byte netFn, byte cmd, byte rqSeq, ReadOnlySpan<byte> data)
    {
        var m = new byte[7 + data.Length];
        m[0] = BmcAddress;
        m[1] = (byte)(netFn << 2);
        m[2] = Checksum(m.AsSpan(0, 2));
        m[3] = RemoteConsoleSwid;
        m[4] = (byte)(rqSeq << 2);
        m[5] = cmd;
        data.CopyTo(m.AsSpan(6));
        m[^1] = Checksum(m.AsSpan(3, m.Length - 4));
        return m;
    }

    /// <summary>A response's fields, after both checksums and the addressing have been checked.</summary>
    public sealed record Response(byte NetFn, byte RqSeq, byte Cmd, byte CompletionCode, byte[] Data);

    public static Response ParseResponse(ReadOnlySpan<byte> m)
    {
        if (m.Length < 8) throw new IpmiProtocolException($"IPMI response of {m.Length} bytes is shorter than the 8-byte minimum");
        if (Checksum(m[..2]) != m[2]) throw new IpmiProtocolException("IPMI response header checksum is wrong");
        if (Checksum(m[3..^1]) != m[^1]) throw new IpmiProtocolException("IPMI response data checksum is wrong");
        if (m[0] != RemoteConsoleSwid) throw new IpmiProtocolException($"IPMI response addressed to 0x{m[0]:x2}, not to the remote console");
        return new Response((byte)(m[1] >> 2), (byte)(m[4] >> 2), m[5], m[6], m[7..^1].ToArray());
    }

    public static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes) sum += b;
        return (byte)-sum;
    }
}

/// <summary>Network functions and commands used here (IPMI v2.0 appendix G).</summary>
public static class IpmiCommand
{
    public const byte NetFnChassis = 0x00, NetFnApp = 0x06;
    public const byte GetChassisStatus = 0x01, ChassisControl = 0x02;
    public const byte GetChannelAuthCapabilities = 0x38, GetSessionChallenge = 0x39, ActivateSession = 0x3A,
        SetSessionPrivilegeLevel = 0x3B, CloseSession = 0x3C, GetChannelCipherSuites = 0x54;
}

/// <summary>Chassis Control data byte 1 (IPMI v2.0 §28.3).</summary>
public enum ChassisControl : byte { PowerDown = 0, PowerUp = 1, PowerCycle = 2, HardReset = 3, SoftShutdown = 5 }

/// <summary>Requested maximum privilege levels (IPMI v2.0 §22.13 / §13.17).</summary>
public enum IpmiPrivilege : byte { Callback = 1, User = 2, Operator = 3, Administrator = 4 }

/// <summary>
/// RMCP (DMTF ASF §3.2.2.1) and the IPMI session wrappers around a payload (IPMI v2.0 §13.6,
/// table 13-8). RMCP header: version 0x06 | reserved 0x00 | sequence 0xFF (no RMCP ACK) |
/// class 0x07 (IPMI).
///
/// IPMI v1.5 session: authType | sessionSeq(4, LS first) | sessionId(4) | [authCode(16) when
/// authType ≠ none] | msgLen(1) | message.
///
/// IPMI v2.0 (RMCP+) session: authType 0x06 | payloadType (bit7 encrypted, bit6 authenticated,
/// bits5:0 type) | sessionId(4) | sessionSeq(4) | payloadLen(2, LS first) | payload | [trailer when
/// authenticated: 0xFF pad to a 4-byte multiple | padLen | nextHeader 0x07 | authCode].
/// </summary>
public static class Rmcp
{
    public const byte AuthTypeRmcpPlus = 0x06;
    public static ReadOnlySpan<byte> Header => [0x06, 0x00, 0xFF, 0x07];

    public static byte[] V15(byte authType, uint seq, uint sessionId, ReadOnlySpan<byte> authCode, ReadOnlySpan<byte> message)
    {
        var hasAuth = authType != AuthType.None;
        var packet = new byte[4 + 1 + 4 + 4 + (hasAuth ? 16 : 0) + 1 + message.Length];
        Header.CopyTo(packet);
        var p = 4;
        packet[p++] = authType;
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(p), seq); p += 4;
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(p), sessionId); p += 4;
        if (hasAuth) { authCode[..16].CopyTo(packet.AsSpan(p)); p += 16; }
        packet[p++] = checked((byte)message.Length);
        message.CopyTo(packet.AsSpan(p));
        return packet;
    }

    public readonly record struct V15Packet(byte AuthType, uint Seq, uint SessionId, byte[] AuthCode, byte[] Message);

    public static V15Packet ParseV15(ReadOnlySpan<byte> packet)
    {
        CheckRmcp(packet);
        if (packet.Length < 14) throw new IpmiProtocolException("IPMI v1.5 session header is truncated");
        var authType = packet[4];
        if (authType == AuthTypeRmcpPlus) throw new IpmiProtocolException("an RMCP+ packet where IPMI v1.5 was expected");
        var p = 5;
        var seq = BinaryPrimitives.ReadUInt32LittleEndian(packet[p..]); p += 4;
        var id = BinaryPrimitives.ReadUInt32LittleEndian(packet[p..]); p += 4;
        var code = Array.Empty<byte>();
        if (authType != AuthType.None)
        {
            if (packet.Length < p + 17) throw new IpmiProtocolException("IPMI v1.5 authentication code is truncated");
            code = packet.Slice(p, 16).ToArray(); p += 16;
        }
        var len = packet[p++];
        // One legacy pad byte may follow the message (table 13-8 note); nothing else may.
        if (packet.Length - p != len && packet.Length - p != len + 1)
            throw new IpmiProtocolException($"IPMI v1.5 message length {len} does not match the {packet.Length - p} bytes received");
        return new V15Packet(authType, seq, id, code, packet.Slice(p, len).ToArray());
    }

    public readonly record struct V20Packet(byte PayloadType, bool Encrypted, bool Authenticated, uint SessionId, uint Seq,
        byte[] Payload, int IntegrityEnd, byte[] AuthCode);

    /// <summary>Splits an RMCP+ packet; the integrity check itself belongs to the session (it knows K1).</summary>
    public static V20Packet ParseV20(ReadOnlySpan<byte> packet, int authCodeLength)
    {
        CheckRmcp(packet);
        if (packet.Length < 16) throw new IpmiProtocolException("RMCP+ session header is truncated");
        if (packet[4] != AuthTypeRmcpPlus) throw new IpmiProtocolException($"auth type 0x{packet[4]:x2} where RMCP+ (0x06) was expected");
        var pt = packet[5];
        var id = BinaryPrimitives.ReadUInt32LittleEndian(packet[6..]);
        var seq = BinaryPrimitives.ReadUInt32LittleEndian(packet[10..]);
        var len = BinaryPrimitives.ReadUInt16LittleEndian(packet[14..]);
        if (packet.Length < 16 + len) throw new IpmiProtocolException($"RMCP+ payload of {len} bytes is truncated to {packet.Length - 16}");
        var payload = packet.Slice(16, len).ToArray();
        var authenticated = (pt & 0x40) != 0;
        var rest = packet[(16 + len)..];
        if (!authenticated)
        {
            if (rest.Length != 0) throw new IpmiProtocolException($"{rest.Length} stray bytes after an unauthenticated RMCP+ payload");
            return new V20Packet((byte)(pt & 0x3F), (pt & 0x80) != 0, false, id, seq, payload, packet.Length, []);
        }
        // Trailer: pad (0xFF…) | padLen | nextHeader (0x07) | authCode.
        if (rest.Length < 2 + authCodeLength) throw new IpmiProtocolException("RMCP+ integrity trailer is truncated");
        var padLen = rest[rest.Length - authCodeLength - 2];
        var next = rest[rest.Length - authCodeLength - 1];
        if (next != 0x07) throw new IpmiProtocolException($"RMCP+ next header 0x{next:x2} is not 0x07");
        if (padLen != rest.Length - authCodeLength - 2) throw new IpmiProtocolException("RMCP+ integrity pad length does not match the trailer");
        foreach (var b in rest[..padLen]) if (b != 0xFF) throw new IpmiProtocolException("RMCP+ integrity pad is not 0xFF bytes");
        return new V20Packet((byte)(pt & 0x3F), (pt & 0x80) != 0, true, id, seq, payload,
            packet.Length - authCodeLength, rest[^authCodeLength..].ToArray());
    }

    /// <summary>
    /// Builds an RMCP+ packet. <paramref name="integrity"/> computes the auth code over the bytes from
    /// the auth type through the next header (null: unauthenticated).
    /// </summary>
    public static byte[] V20(byte payloadType, bool encrypted, uint sessionId, uint seq, ReadOnlySpan<byte> payload,
        Func<byte[], byte[]>? integrity)
    {
        var header = 4 + 12;
        var body = header + payload.Length;
        var pad = integrity is null ? 0 : (4 - (body - 4 + 2) % 4) % 4;
        var covered = integrity is null ? body : body + pad + 2;
        var packet = new byte[covered];
        Header.CopyTo(packet);
        packet[4] = AuthTypeRmcpPlus;
        packet[5] = (byte)(payloadType | (encrypted ? 0x80 : 0) | (integrity is null ? 0 : 0x40));
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(6), sessionId);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(10), seq);
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(14), checked((ushort)payload.Length));
        payload.CopyTo(packet.AsSpan(16));
        if (integrity is null) return packet;
        packet.AsSpan(body, pad).Fill(0xFF);
        packet[body + pad] = (byte)pad;
        packet[body + pad + 1] = 0x07;
        var code = integrity(packet[4..]);
        return [.. packet, .. code];
    }

    private static void CheckRmcp(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 5) throw new IpmiProtocolException($"a {packet.Length}-byte datagram is not an RMCP packet");
        if (packet[0] != 0x06 || packet[3] != 0x07)
            throw new IpmiProtocolException($"RMCP version 0x{packet[0]:x2} class 0x{packet[3]:x2} is not RMCP 1.0 class IPMI");
    }
}

/// <summary>IPMI v1.5 authentication types (IPMI v2.0 §13.6).</summary>
public static class AuthType
{
    public const byte None = 0, Md2 = 1, Md5 = 2, Password = 4, Oem = 5;
}

/// <summary>RMCP+ payload types (IPMI v2.0 §13.27.3).</summary>
public static class PayloadType
{
    public const byte Ipmi = 0x00, OpenSessionRequest = 0x10, OpenSessionResponse = 0x11,
        Rakp1 = 0x12, Rakp2 = 0x13, Rakp3 = 0x14, Rakp4 = 0x15;
}
