namespace OcfAgents.Ipmi;

/// <summary>
/// The two RMCP+ cipher suites we speak (IPMI v2.0 §22.15.2, table 22-20, and the SHA-256 errata):
///
/// | suite | authentication (RAKP) | integrity          | confidentiality |
/// |-------|------------------------|--------------------|-----------------|
/// | 3     | RAKP-HMAC-SHA1 (0x01)  | HMAC-SHA1-96 (0x01) | AES-CBC-128 (0x01) |
/// | 17    | RAKP-HMAC-SHA256 (0x03)| HMAC-SHA256-128 (0x04) | AES-CBC-128 (0x01) |
///
/// Suites without integrity or confidentiality (0, 1, 2) are refused: a fencing command that
/// anyone on the management LAN can forge or replay is not one we send.
/// </summary>
public sealed class CipherSuite
{
    public int Id { get; }
    public byte AuthAlgorithm { get; }
    public byte IntegrityAlgorithm { get; }
    public byte ConfidentialityAlgorithm => 0x01;
    /// <summary>Length of RAKP 2/3 key-exchange codes and of SIK, K1, K2.</summary>
    public int HashLength { get; }
    /// <summary>Length of the RAKP 4 integrity check value and of each packet's auth code.</summary>
    public int IntegrityLength { get; }

    private CipherSuite(int id, byte auth, byte integrity, int hash, int icv)
    {
        Id = id; AuthAlgorithm = auth; IntegrityAlgorithm = integrity; HashLength = hash; IntegrityLength = icv;
    }

    public static readonly CipherSuite Suite3 = new(3, 0x01, 0x01, 20, 12);
    public static readonly CipherSuite Suite17 = new(17, 0x03, 0x04, 32, 16);

    public static CipherSuite? ById(int id) => id switch { 3 => Suite3, 17 => Suite17, _ => null };

    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        Id == 17 ? Sha.HmacSha256(key, data) : Sha.HmacSha1(key, data);

    /// <summary>K_UID / K_G: the password or BMC key as a 20-byte, zero-padded key (IPMI v2.0 §13.31).</summary>
    public static byte[] Key20(ReadOnlySpan<byte> secret)
    {
        var k = new byte[20];
        secret[..Math.Min(20, secret.Length)].CopyTo(k);
        return k;
    }
}

/// <summary>
/// Session keys after RAKP (IPMI v2.0 §13.31, §13.32):
/// SIK = HMAC_KG(Rm | Rc | RoleM | ULengthM | UNameM); K1 = HMAC_SIK(0x01 × 20); K2 = HMAC_SIK(0x02 × 20);
/// the AES-CBC-128 key is the first 16 bytes of K2. The 20-byte constants hold for SHA-256 too.
/// </summary>
public sealed class SessionKeys
{
    public CipherSuite Suite { get; }
    public byte[] Sik { get; }
    public byte[] K1 { get; }
    public byte[] AesKey { get; }

    public SessionKeys(CipherSuite suite, byte[] kg, ReadOnlySpan<byte> rm, ReadOnlySpan<byte> rc, byte role, ReadOnlySpan<byte> userName)
    {
        Suite = suite;
        Sik = suite.Hmac(kg, [.. rm, .. rc, role, (byte)userName.Length, .. userName]);
        K1 = suite.Hmac(Sik, Constant(0x01));
        AesKey = suite.Hmac(Sik, Constant(0x02))[..16];
    }

    private static byte[] Constant(byte b) { var c = new byte[20]; c.AsSpan().Fill(b); return c; }

    /// <summary>The auth code of an outgoing or incoming packet: the integrity algorithm truncated.</summary>
    public byte[] AuthCode(ReadOnlySpan<byte> covered) => Suite.Hmac(K1, covered)[..Suite.IntegrityLength];

    /// <summary>
    /// Confidentiality (IPMI v2.0 §13.29): IV(16) | AES-CBC-128(data | pad 1,2,3… | padLen), the
    /// encrypted part a multiple of 16 bytes.
    /// </summary>
    public byte[] Encrypt(ReadOnlySpan<byte> data)
    {
        var padLen = (16 - (data.Length + 1) % 16) % 16;
        var plain = new byte[data.Length + padLen + 1];
        data.CopyTo(plain);
        for (var i = 0; i < padLen; i++) plain[data.Length + i] = (byte)(i + 1);
        plain[^1] = (byte)padLen;
        var iv = OcfAgents.Sys.SecureRandom.Bytes(16);
        return [.. iv, .. AesCbc128.Encrypt(AesKey, iv, plain)];
    }

    public byte[] Decrypt(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 32 || payload.Length % 16 != 0)
            throw new IpmiProtocolException($"encrypted payload of {payload.Length} bytes is not IV + whole AES blocks");
        var plain = AesCbc128.Decrypt(AesKey, payload[..16], payload[16..]);
        var padLen = plain[^1];
        if (padLen > 15 || padLen + 1 > plain.Length) throw new IpmiProtocolException("confidentiality pad length is out of range");
        for (var i = 0; i < padLen; i++)
            if (plain[plain.Length - 1 - padLen + i] != i + 1) throw new IpmiProtocolException("confidentiality pad bytes are wrong (wrong key?)");
        return plain[..^(padLen + 1)];
    }
}
