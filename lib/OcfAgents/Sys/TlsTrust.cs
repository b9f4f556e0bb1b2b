namespace OcfAgents.Sys;

public static class TlsTrust
{
    /// <summary>
    /// .NET loads OpenSSL's whole default store (the bundle file and every file in the certs
    /// directory, ~100 ms here) for any chain it builds, even one with CustomRootTrust. When the
    /// system store is not wanted, point OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR — for this process
    /// only; call it only where no child process is started afterwards — at nothing, so there is
    /// nothing to load.
    /// </summary>
    public static void WithoutSystemStore()
    {
        Native.SetEnv("SSL_CERT_FILE", "/dev/null", 1);
        Native.SetEnv("SSL_CERT_DIR", "/dev/null/no-system-store", 1);
    }
}
