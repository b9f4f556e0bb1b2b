using System.Buffers.Binary;
using System.Numerics;

namespace OcfAgents.Ipmi;

/// <summary>
/// SHA-1 and SHA-256 (FIPS 180-4 §6.1, §6.2) and HMAC (RFC 2104, FIPS 198-1): what RMCP+ needs for
/// RAKP-HMAC-SHA1/-SHA256 and the HMAC-SHA1-96/HMAC-SHA256-128 integrity codes.
///
/// Our own rather than System.Security.Cryptography, which on Linux is OpenSSL: the first HMAC
/// of a session made fence_ipmi dlopen libssl and libcrypto, relocate them and read openssl.cnf —
/// a third of a `status` run's CPU time on this machine (bench/RESULTS.md). Both hashes use no
/// table indexed by data, so they run in constant time for a given length. Checked against the
/// FIPS 180-4 and RFC 2202/4231 vectors and against OpenSSL on random input (SysCryptoTests).
/// </summary>
public static class Sha
{
    public const int BlockLength = 64;

    public static byte[] Sha1(ReadOnlySpan<byte> message) => Digest(message, Sha1State.Initial, 20, Sha1Block, bigEndian: true);
    public static byte[] Sha256(ReadOnlySpan<byte> message) => Digest(message, Sha256State.Initial, 32, Sha256Block, bigEndian: true);

    /// <summary>HMAC(K, m) = H((K0 ⊕ opad) | H((K0 ⊕ ipad) | m)); K0 is K, hashed first when longer than a block, zero-padded.</summary>
    public static byte[] HmacSha1(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message) => Hmac(key, message, Sha1);
    public static byte[] HmacSha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message) => Hmac(key, message, Sha256);

    private delegate byte[] Hash(ReadOnlySpan<byte> message);

    private static byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Hash hash)
    {
        Span<byte> k0 = stackalloc byte[BlockLength];
        k0.Clear();
        if (key.Length > BlockLength) hash(key).CopyTo(k0);
        else key.CopyTo(k0);
        var inner = new byte[BlockLength + message.Length];
        for (var i = 0; i < BlockLength; i++) inner[i] = (byte)(k0[i] ^ 0x36);
        message.CopyTo(inner.AsSpan(BlockLength));
        var innerHash = hash(inner);
        var outer = new byte[BlockLength + innerHash.Length];
        for (var i = 0; i < BlockLength; i++) outer[i] = (byte)(k0[i] ^ 0x5c);
        innerHash.CopyTo(outer, BlockLength);
        return hash(outer);
    }

    internal delegate void Compress(Span<uint> h, ReadOnlySpan<byte> block);

    /// <summary>
    /// Padding (§5.1.1): the message, 0x80, zeros to 56 mod 64, the length in bits as a 64-bit
    /// number; then every 64-byte block through the compression function (§6.x.2); the digest is
    /// H0…Hn, cut to its length. SHA: both big-endian; MD5 (RFC 1321 §3.2, §3.5): both little-endian.
    /// </summary>
    internal static byte[] Digest(ReadOnlySpan<byte> message, ReadOnlySpan<uint> initial, int length, Compress compress, bool bigEndian)
    {
        Span<uint> h = stackalloc uint[8];
        initial.CopyTo(h);
        var whole = message.Length / BlockLength * BlockLength;
        for (var i = 0; i < whole; i += BlockLength) compress(h, message.Slice(i, BlockLength));

        Span<byte> tail = stackalloc byte[2 * BlockLength];
        tail.Clear();
        var rest = message[whole..];
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        var tailLength = rest.Length + 1 + 8 <= BlockLength ? BlockLength : 2 * BlockLength;
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(tail.Slice(tailLength - 8), (ulong)message.Length * 8);
        else BinaryPrimitives.WriteUInt64LittleEndian(tail.Slice(tailLength - 8), (ulong)message.Length * 8);
        for (var i = 0; i < tailLength; i += BlockLength) compress(h, tail.Slice(i, BlockLength));

        var digest = new byte[length];
        for (var i = 0; i < length / 4; i++)
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(4 * i), h[i]);
            else BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(4 * i), h[i]);
        return digest;
    }

    private static class Sha1State
    {
        // §5.3.1
        public static ReadOnlySpan<uint> Initial => [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
    }

    /// <summary>§6.1.2: an 80-word schedule, then 80 rounds with f and K changing every 20 (§4.1.1, §4.2.1).</summary>
    private static void Sha1Block(Span<uint> h, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[80];
        for (var t = 0; t < 16; t++) w[t] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(4 * t));
        for (var t = 16; t < 80; t++) w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (var t = 0; t < 80; t++)
        {
            var (f, k) = t switch
            {
                < 20 => ((b & c) ^ (~b & d), 0x5a827999u),         // Ch
                < 40 => (b ^ c ^ d, 0x6ed9eba1u),                  // Parity
                < 60 => ((b & c) ^ (b & d) ^ (c & d), 0x8f1bbcdcu), // Maj
                _ => (b ^ c ^ d, 0xca62c1d6u),                     // Parity
            };
            var temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[t];
            e = d; d = c; c = BitOperations.RotateLeft(b, 30); b = a; a = temp;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
    }

    private static class Sha256State
    {
        // §5.3.3
        public static ReadOnlySpan<uint> Initial =>
            [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

        // §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
        public static ReadOnlySpan<uint> K =>
        [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        ];
    }

    /// <summary>§6.2.2 with the functions of §4.1.2: Ch, Maj, Σ0, Σ1 (rounds) and σ0, σ1 (schedule).</summary>
    private static void Sha256Block(Span<uint> h, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[64];
        for (var t = 0; t < 16; t++) w[t] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(4 * t));
        for (var t = 16; t < 64; t++)
        {
            var s0 = BitOperations.RotateRight(w[t - 15], 7) ^ BitOperations.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
            var s1 = BitOperations.RotateRight(w[t - 2], 17) ^ BitOperations.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = s1 + w[t - 7] + s0 + w[t - 16];
        }
        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        var k = Sha256State.K;
        for (var t = 0; t < 64; t++)
        {
            var sigma1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            var ch = (e & f) ^ (~e & g);
            var t1 = hh + sigma1 + ch + k[t] + w[t];
            var sigma0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            var maj = (a & b) ^ (a & c) ^ (b & c);
            var t2 = sigma0 + maj;
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
}
