using System.Security.Cryptography;
using System.Text;
using OcfAgents.Ipmi;

namespace OcfAgents.Tests;

/// <summary>
/// fence_ipmi's own MD5, SHA-1, SHA-256, HMAC and AES-128-CBC: the published test vectors, and the
/// same answers as OpenSSL (System.Security.Cryptography on Linux) for random keys and messages of
/// every length around the block boundaries.
/// </summary>
public class IpmiCryptoTests
{
    private static byte[] Hex(string s) => Convert.FromHexString(s);
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void Sha1_gives_the_FIPS_180_example_digests(string message, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Sha.Sha1(Ascii(message))));

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Sha256_gives_the_FIPS_180_example_digests(string message, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Sha.Sha256(Ascii(message))));

    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void Md5_gives_the_RFC_1321_test_suite_digests(string message, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Md5.Hash(Ascii(message))));

    [Fact]
    public void Hmac_gives_the_RFC_2202_and_RFC_4231_results_including_a_key_longer_than_a_block()
    {
        var longKeyData = Ascii("Test Using Larger Than Block-Size Key - Hash Key First");
        Assert.Equal("b617318655057264e28bc0b6fb378c8ef146be00", Convert.ToHexStringLower(Sha.HmacSha1(Enumerable.Repeat((byte)0x0b, 20).ToArray(), Ascii("Hi There"))));
        Assert.Equal("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", Convert.ToHexStringLower(Sha.HmacSha1(Ascii("Jefe"), Ascii("what do ya want for nothing?"))));
        Assert.Equal("aa4ae5e15272d00e95705637ce8a3b55ed402112", Convert.ToHexStringLower(Sha.HmacSha1(Enumerable.Repeat((byte)0xaa, 80).ToArray(), longKeyData)));
        Assert.Equal("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", Convert.ToHexStringLower(Sha.HmacSha256(Enumerable.Repeat((byte)0x0b, 20).ToArray(), Ascii("Hi There"))));
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(Sha.HmacSha256(Ascii("Jefe"), Ascii("what do ya want for nothing?"))));
        Assert.Equal("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", Convert.ToHexStringLower(Sha.HmacSha256(Enumerable.Repeat((byte)0xaa, 131).ToArray(), longKeyData)));
    }

    [Fact]
    public void Digests_and_hmacs_agree_with_OpenSSL_for_every_length_around_the_block_boundaries()
    {
        var random = new Random(20261129);
        foreach (var length in Enumerable.Range(0, 200).Concat([255, 256, 257, 1000, 4096]))
        {
            var message = new byte[length];
            random.NextBytes(message);
            var key = new byte[random.Next(0, 150)];
            random.NextBytes(key);
            Assert.Equal(MD5.HashData(message), Md5.Hash(message));
            Assert.Equal(SHA1.HashData(message), Sha.Sha1(message));
            Assert.Equal(SHA256.HashData(message), Sha.Sha256(message));
            Assert.Equal(HMACSHA1.HashData(key, message), Sha.HmacSha1(key, message));
            Assert.Equal(HMACSHA256.HashData(key, message), Sha.HmacSha256(key, message));
        }
    }

    [Fact]
    public void Aes_cbc_gives_the_SP_800_38A_example_and_decrypts_it_back()
    {
        var key = Hex("2b7e151628aed2a6abf7158809cf4f3c");
        var iv = Hex("000102030405060708090a0b0c0d0e0f");
        var plain = Hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
        var cipher = Hex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7");
        Assert.Equal(cipher, AesCbc128.Encrypt(key, iv, plain));
        Assert.Equal(plain, AesCbc128.Decrypt(key, iv, cipher));
    }

    [Fact]
    public void Aes_cbc_agrees_with_OpenSSL_on_random_keys_and_messages()
    {
        var random = new Random(1129);
        for (var n = 0; n < 200; n++)
        {
            var key = new byte[16]; var iv = new byte[16]; var plain = new byte[16 * random.Next(1, 9)];
            random.NextBytes(key); random.NextBytes(iv); random.NextBytes(plain);
            using var openssl = Aes.Create();
            openssl.Key = key;
            var expected = openssl.EncryptCbc(plain, iv, PaddingMode.None);
            Assert.Equal(expected, AesCbc128.Encrypt(key, iv, plain));
            Assert.Equal(plain, AesCbc128.Decrypt(key, iv, expected));
        }
    }

    [Fact]
    public void Aes_cbc_refuses_a_wrong_key_iv_or_a_partial_block()
    {
        Assert.Throws<ArgumentException>(() => AesCbc128.Encrypt(new byte[15], new byte[16], new byte[16]));
        Assert.Throws<ArgumentException>(() => AesCbc128.Encrypt(new byte[16], new byte[8], new byte[16]));
        Assert.Throws<ArgumentException>(() => AesCbc128.Decrypt(new byte[16], new byte[16], new byte[17]));
    }
}
