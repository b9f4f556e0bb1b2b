namespace OcfAgents.Sys;

/// <summary>
/// Random numbers from the kernel's CSPRNG, getrandom(2) with no flags: it blocks only until the
/// pool is first initialised at boot, then never. System.Security.Cryptography's
/// RandomNumberGenerator gets its bytes from the kernel too, but its first use initialises
/// OpenSSL (dlopen of libssl and libcrypto, openssl.cnf), which fence_ipmi otherwise never needs.
/// </summary>
public static unsafe class SecureRandom
{
    public static void Fill(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint done = 0;
            while (done < buffer.Length)
            {
                var n = Native.GetRandom(p + done, buffer.Length - done, 0);
                if (n < 0 && Native.LastErrno == Native.EINTR) continue;
                if (n <= 0) throw new SysError("getrandom", "the kernel's random pool", Native.LastErrno);
                done += n;
            }
        }
    }

    public static byte[] Bytes(int count)
    {
        var b = new byte[count];
        Fill(b);
        return b;
    }

    /// <summary>Uniform in 1 … 2³¹−2, as RandomNumberGenerator.GetInt32(1, int.MaxValue) was: a nonzero session id.</summary>
    public static uint NonZeroId()
    {
        Span<byte> four = stackalloc byte[4];
        while (true)
        {
            Fill(four);
            var v = BitConverter.ToUInt32(four) & 0x7fff_ffff;
            if (v is not 0 and not int.MaxValue) return v;
        }
    }
}
