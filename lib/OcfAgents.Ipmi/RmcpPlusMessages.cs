using System.Buffers.Binary;

namespace OcfAgents.Ipmi;

/// <summary>
/// The RMCP+ session-setup messages (IPMI v2.0 §13.17–13.23), one builder for each message the
/// console sends and one parser for each the BMC answers. Multi-byte fields are least significant
/// byte first. A reply's status byte is checked by the caller first (a refusal may be cut short
/// after the status); the parsers take a successful reply, consume every byte of it and check its
/// length exactly.
/// </summary>
public static class RmcpPlusMessages
{
    /// <summary>
    /// Open Session Request (§13.17, table 13-16):
    /// tag(1) | max privilege(1, 0 = the highest the algorithms allow) | reserved(2) |
    /// console session id(4) | authentication payload(8) | integrity payload(8) | confidentiality payload(8).
    /// Each algorithm payload: type(1: 0 auth, 1 integrity, 2 confidentiality) | reserved(2) |
    /// length(1) = 0x08 | algorithm(1) | reserved(3).
    /// </summary>
    public static byte[] OpenSessionRequest(byte tag, uint consoleSessionId, CipherSuite suite)
    {
        var m = new byte[32];
        m[0] = tag;
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), consoleSessionId);
        AlgorithmPayload(0x00, suite.AuthAlgorithm).CopyTo(m.AsSpan(8));
        AlgorithmPayload(0x01, suite.IntegrityAlgorithm).CopyTo(m.AsSpan(16));
        AlgorithmPayload(0x02, suite.ConfidentialityAlgorithm).CopyTo(m.AsSpan(24));
        return m;
    }

    private static byte[] AlgorithmPayload(byte type, byte algorithm) => [type, 0, 0, 0x08, algorithm, 0, 0, 0];

    /// <summary>
    /// Open Session Response (§13.18, table 13-17), status 0:
    /// tag(1) | status(1) | max privilege(1) | reserved(1) | console session id(4) |
    /// BMC session id(4) | authentication payload(8) | integrity payload(8) | confidentiality payload(8).
    /// </summary>
    public readonly record struct OpenSessionResponse(byte Tag, byte MaxPrivilege, uint ConsoleSessionId, uint BmcSessionId,
        byte AuthAlgorithm, byte IntegrityAlgorithm, byte ConfidentialityAlgorithm)
    {
        public const int Length = 36;

        public static OpenSessionResponse Parse(ReadOnlySpan<byte> m)
        {
            if (m.Length != Length) throw new IpmiProtocolException($"Open Session Response of {m.Length} bytes, not {Length}");
            return new(m[0], m[2], BinaryPrimitives.ReadUInt32LittleEndian(m[4..]), BinaryPrimitives.ReadUInt32LittleEndian(m[8..]),
                Algorithm(m[12..20], 0x00), Algorithm(m[20..28], 0x01), Algorithm(m[28..36], 0x02));
        }

        private static byte Algorithm(ReadOnlySpan<byte> payload, byte type)
        {
            if (payload[0] != type || payload[3] != 0x08)
                throw new IpmiProtocolException($"Open Session Response algorithm payload type 0x{payload[0]:x2} length {payload[3]}, not type 0x{type:x2} length 8");
            return (byte)(payload[4] & 0x3F);
        }

        public bool Matches(CipherSuite suite) =>
            AuthAlgorithm == suite.AuthAlgorithm && IntegrityAlgorithm == suite.IntegrityAlgorithm && ConfidentialityAlgorithm == suite.ConfidentialityAlgorithm;
    }

    /// <summary>
    /// RAKP Message 1 (§13.20, table 13-19):
    /// tag(1) | reserved(3) | BMC session id(4) | console random number Rm(16) | requested role(1:
    /// bit 4 = look the user up by name only, bits 3:0 = privilege) | reserved(2) | user name length(1) | user name(0–16).
    /// </summary>
    public static byte[] Rakp1(byte tag, uint bmcSessionId, ReadOnlySpan<byte> rm, byte role, ReadOnlySpan<byte> userName)
    {
        if (rm.Length != 16) throw new ArgumentException("Rm is 16 bytes", nameof(rm));
        if (userName.Length > 16) throw new ArgumentException("IPMI user names are at most 16 bytes", nameof(userName));
        var m = new byte[28 + userName.Length];
        m[0] = tag;
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), bmcSessionId);
        rm.CopyTo(m.AsSpan(8));
        m[24] = role;
        m[27] = (byte)userName.Length;
        userName.CopyTo(m.AsSpan(28));
        return m;
    }

    /// <summary>
    /// RAKP Message 2 (§13.21, table 13-20), status 0:
    /// tag(1) | status(1) | reserved(2) | console session id(4) | BMC random number Rc(16) |
    /// BMC GUID(16) | key exchange authentication code (the cipher suite's hash length:
    /// HMAC_KUID(SIDm | SIDc | Rm | Rc | GUIDc | RoleM | ULengthM | UNameM)).
    /// </summary>
    public readonly record struct Rakp2(byte Tag, uint ConsoleSessionId, byte[] Rc, byte[] Guid, byte[] KeyExchangeCode)
    {
        public static Rakp2 Parse(ReadOnlySpan<byte> m, CipherSuite suite)
        {
            if (m.Length != 40 + suite.HashLength) throw new IpmiProtocolException($"RAKP 2 of {m.Length} bytes, not {40 + suite.HashLength}");
            return new(m[0], BinaryPrimitives.ReadUInt32LittleEndian(m[4..]), m[8..24].ToArray(), m[24..40].ToArray(), m[40..].ToArray());
        }
    }

    /// <summary>
    /// RAKP Message 3 (§13.22, table 13-21):
    /// tag(1) | status(1) = 0 | reserved(2) | BMC session id(4) | key exchange authentication code
    /// (HMAC_KUID(Rc | SIDm | RoleM | ULengthM | UNameM)).
    /// </summary>
    public static byte[] Rakp3(byte tag, uint bmcSessionId, ReadOnlySpan<byte> keyExchangeCode)
    {
        var m = new byte[8 + keyExchangeCode.Length];
        m[0] = tag;
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), bmcSessionId);
        keyExchangeCode.CopyTo(m.AsSpan(8));
        return m;
    }

    /// <summary>
    /// RAKP Message 4 (§13.23, table 13-22), status 0:
    /// tag(1) | status(1) | reserved(2) | console session id(4) | integrity check value (the cipher
    /// suite's integrity length: HMAC_SIK(Rm | SIDc | GUIDc), truncated).
    /// </summary>
    public readonly record struct Rakp4(byte Tag, uint ConsoleSessionId, byte[] IntegrityCheckValue)
    {
        public static Rakp4 Parse(ReadOnlySpan<byte> m, CipherSuite suite)
        {
            if (m.Length != 8 + suite.IntegrityLength) throw new IpmiProtocolException($"RAKP 4 of {m.Length} bytes, not {8 + suite.IntegrityLength}");
            return new(m[0], BinaryPrimitives.ReadUInt32LittleEndian(m[4..]), m[8..].ToArray());
        }
    }
}
