using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace OcfAgents.Ipmi;

/// <summary>
/// AES-128 (FIPS 197) in CBC mode (NIST SP 800-38A §6.2), no padding: RMCP+ pads itself
/// (IPMI v2.0 §13.29). On the AES-NI instructions when the CPU has them — hardware rounds, constant
/// time, and no OpenSSL to load (see <see cref="Sha"/> for why that matters to fence_ipmi); on a
/// CPU without them, System.Security.Cryptography's AES (OpenSSL).
///
/// | step         | AES-NI                                                                        |
/// |--------------|-------------------------------------------------------------------------------|
/// | key schedule | w[i] from w[i-1] and AESKEYGENASSIST(w[i-1], Rcon[i]) (FIPS 197 §5.2)           |
/// | encrypt      | AddRoundKey w[0]; AESENC w[1..9]; AESENCLAST w[10] (§5.1)                       |
/// | decrypt      | the equivalent inverse cipher (§5.3.5): w[10]; AESDEC InvMixColumns(w[9..1]); AESDECLAST w[0] |
/// </summary>
public static class AesCbc128
{
    public const int BlockLength = 16;

    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plain)
    {
        Check(key, iv, plain.Length);
        if (!AesNi.IsSupported)
        {
            using var openssl = OpenSsl(key);
            return openssl.EncryptCbc(plain, iv, System.Security.Cryptography.PaddingMode.None);
        }
        Span<Vector128<byte>> w = stackalloc Vector128<byte>[11];
        KeySchedule(Vector128.Create(key), w);
        var cipher = new byte[plain.Length];
        var previous = Vector128.Create(iv);
        for (var i = 0; i < plain.Length; i += BlockLength)
        {
            // C_i = CIPH_K(P_i ⊕ C_i-1), C_0 = IV
            var state = Vector128.Create(plain.Slice(i, BlockLength)) ^ previous ^ w[0];
            for (var round = 1; round < 10; round++) state = AesNi.Encrypt(state, w[round]);
            previous = AesNi.EncryptLast(state, w[10]);
            previous.CopyTo(cipher.AsSpan(i));
        }
        return cipher;
    }

    public static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> cipher)
    {
        Check(key, iv, cipher.Length);
        if (!AesNi.IsSupported)
        {
            using var openssl = OpenSsl(key);
            return openssl.DecryptCbc(cipher, iv, System.Security.Cryptography.PaddingMode.None);
        }
        Span<Vector128<byte>> w = stackalloc Vector128<byte>[11];
        KeySchedule(Vector128.Create(key), w);
        Span<Vector128<byte>> dw = stackalloc Vector128<byte>[11];
        dw[0] = w[10];
        for (var round = 1; round < 10; round++) dw[round] = AesNi.InverseMixColumns(w[10 - round]);
        dw[10] = w[0];
        var plain = new byte[cipher.Length];
        var previous = Vector128.Create(iv);
        for (var i = 0; i < cipher.Length; i += BlockLength)
        {
            // P_i = CIPH⁻¹_K(C_i) ⊕ C_i-1
            var block = Vector128.Create(cipher.Slice(i, BlockLength));
            var state = block ^ dw[0];
            for (var round = 1; round < 10; round++) state = AesNi.Decrypt(state, dw[round]);
            (AesNi.DecryptLast(state, dw[10]) ^ previous).CopyTo(plain.AsSpan(i));
            previous = block;
        }
        return plain;
    }

    private static System.Security.Cryptography.Aes OpenSsl(ReadOnlySpan<byte> key)
    {
        var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key.ToArray();
        return aes;
    }

    private static void Check(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, int length)
    {
        if (key.Length != 16) throw new ArgumentException($"AES-128 needs a 16-byte key, not {key.Length}");
        if (iv.Length != BlockLength) throw new ArgumentException($"CBC needs a 16-byte IV, not {iv.Length}");
        if (length % BlockLength != 0) throw new ArgumentException($"{length} bytes is not a whole number of AES blocks");
    }

    /// <summary>
    /// FIPS 197 §5.2 for Nk = 4: each round key's first word is the previous first word ⊕
    /// SubWord(RotWord(previous last word)) ⊕ Rcon, and each later word the previous word ⊕ the one
    /// before it; AESKEYGENASSIST computes SubWord(RotWord(·)) ⊕ Rcon into its word 3.
    /// The round constant must be an immediate, hence one call per round.
    /// </summary>
    private static void KeySchedule(Vector128<byte> key, Span<Vector128<byte>> w)
    {
        w[0] = key;
        w[1] = Next(w[0], AesNi.KeygenAssist(w[0], 0x01));
        w[2] = Next(w[1], AesNi.KeygenAssist(w[1], 0x02));
        w[3] = Next(w[2], AesNi.KeygenAssist(w[2], 0x04));
        w[4] = Next(w[3], AesNi.KeygenAssist(w[3], 0x08));
        w[5] = Next(w[4], AesNi.KeygenAssist(w[4], 0x10));
        w[6] = Next(w[5], AesNi.KeygenAssist(w[5], 0x20));
        w[7] = Next(w[6], AesNi.KeygenAssist(w[6], 0x40));
        w[8] = Next(w[7], AesNi.KeygenAssist(w[7], 0x80));
        w[9] = Next(w[8], AesNi.KeygenAssist(w[8], 0x1b));
        w[10] = Next(w[9], AesNi.KeygenAssist(w[9], 0x36));
    }

    private static Vector128<byte> Next(Vector128<byte> previous, Vector128<byte> assist)
    {
        var temp = Sse2.Shuffle(assist.AsUInt32(), 0xff).AsByte(); // word 3 in every word
        var k = previous;
        k ^= Sse2.ShiftLeftLogical128BitLane(k, 4);
        k ^= Sse2.ShiftLeftLogical128BitLane(k, 4);
        k ^= Sse2.ShiftLeftLogical128BitLane(k, 4);
        return k ^ temp;
    }
}
