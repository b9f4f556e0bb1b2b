using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real OpenSSH sshd on a free loopback port: a temp host key, one authorized client key (for
/// root, key authentication only), a known_hosts file that names the host key. Readiness: the
/// port accepts and sends the SSH banner. Stopped by PID.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-sshd.").FullName;
    public int Port { get; } = DatabaseFixture.FreeTcpPort();
    public string ClientKey => Path.Combine(Root, "client_key");
    public string KnownHosts => Path.Combine(Root, "known_hosts");
    private readonly Process _sshd;

    public SshdFixture()
    {
        Must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Root, "host_key")]);
        Must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey]);
        File.Copy(ClientKey + ".pub", Path.Combine(Root, "authorized_keys"));
        File.WriteAllText(KnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(Path.Combine(Root, "host_key.pub")).Trim()}\n");
        File.WriteAllText(Path.Combine(Root, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(Root, "host_key")}
            AuthorizedKeysFile {Path.Combine(Root, "authorized_keys")}
            PidFile {Path.Combine(Root, "sshd.pid")}
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            """);
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory (Debian's service makes it)
        var psi = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-D", "-e", "-f", Path.Combine(Root, "sshd_config") }) psi.ArgumentList.Add(a);
        _sshd = Process.Start(psi)!;
        _sshd.ErrorDataReceived += (_, _) => { };
        _sshd.BeginErrorReadLine();
        Assert.True(Poll.Until(() => _sshd.HasExited || Banner(), TimeSpan.FromSeconds(20)), "sshd did not answer");
        Assert.False(_sshd.HasExited, "sshd exited");
    }

    private bool Banner()
    {
        try
        {
            using var c = new System.Net.Sockets.TcpClient();
            c.Connect("127.0.0.1", Port);
            var buf = new byte[4];
            return c.GetStream().Read(buf) > 0 && buf[0] == (byte)'S';
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    private static void Must(string[] argv)
    {
        var r = Run.Command(argv);
        Assert.True(r.Code == 0, r.ToString());
    }

    public void Dispose()
    {
        if (!_sshd.HasExited) { _sshd.Kill(); _sshd.WaitForExit(); }
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
