using System.Buffers.Binary;
using System.Numerics;

namespace OcfAgents.Ipmi;

/// <summary>
/// MD5 (RFC 1321), for the IPMI v1.5 MD5 auth code (IPMI v2.0 §22.17.1) and nothing else: BMCs
/// that speak only v1.5 offer MD5 or a clear-text password, and MD5 is the better of the two.
/// Our own for the reason given on <see cref="Sha"/>: no OpenSSL to load for one digest.
/// </summary>
public static class Md5
{
    // §3.3: A, B, C, D
    private static ReadOnlySpan<uint> Initial => [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

    // §3.4: T[i] = floor(2³² × |sin(i)|), i = 1 … 64
    private static ReadOnlySpan<uint> T =>
    [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    ];

    // §3.4: the left-rotation amounts of the four rounds, four per round
    private static ReadOnlySpan<byte> S => [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

    public static byte[] Hash(ReadOnlySpan<byte> message) => Sha.Digest(message, Initial, 16, Block, bigEndian: false);

    /// <summary>
    /// §3.4: four rounds of sixteen steps, a = b + ((a + F(b,c,d) + X[k] + T[i]) &lt;&lt;&lt; s), with
    /// F, G, H, I and the word order k of each round.
    /// </summary>
    private static void Block(Span<uint> h, ReadOnlySpan<byte> block)
    {
        Span<uint> x = stackalloc uint[16];
        for (var j = 0; j < 16; j++) x[j] = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(4 * j));
        uint a = h[0], b = h[1], c = h[2], d = h[3];
        for (var i = 0; i < 64; i++)
        {
            var (f, k) = (i / 16) switch
            {
                0 => ((b & c) | (~b & d), i),                 // F
                1 => ((b & d) | (c & ~d), (5 * i + 1) % 16),  // G
                2 => (b ^ c ^ d, (3 * i + 5) % 16),           // H
                _ => (c ^ (b | ~d), 7 * i % 16),              // I
            };
            var rotated = BitOperations.RotateLeft(a + f + x[k] + T[i], S[i / 16 * 4 + i % 4]);
            (a, b, c, d) = (d, b + rotated, b, c);
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    }
}
