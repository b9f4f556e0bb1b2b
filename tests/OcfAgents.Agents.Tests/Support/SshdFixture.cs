using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real OpenSSH sshd on a free loopback port: a temp host key, one authorized client key, a
/// known_hosts file that names the host key. By default root logs in with the client key only.
/// With a <c>login</c>, that user also logs in with its password: sshd then runs in a mount
/// namespace whose /etc/passwd and /etc/shadow add the user (uid 0, as an appliance's
/// administrator), so the host's user database is not touched. Readiness: the port sends the SSH
/// banner. sshd's log is kept. Stopped by PID.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-sshd.").FullName;
    public int Port { get; } = DatabaseFixture.FreeTcpPort();
    public string ClientKey => Path.Combine(Root, "client_key");
    public string KnownHosts => Path.Combine(Root, "known_hosts");
    private string HostKey => Path.Combine(Root, "host_key");
    private readonly bool _passwordLogin;
    private readonly List<string> _log = [];
    private Process _sshd;

    public SshdFixture() : this(null) { }

    /// <param name="login">A user that logs in with this password (and the client key); null: root, key only.</param>
    /// <param name="config">Lines added to sshd_config (a ForceCommand, say).</param>
    public SshdFixture((string User, string Password)? login, string config = "")
    {
        Must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", HostKey]);
        Must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey]);
        File.Copy(ClientKey + ".pub", Path.Combine(Root, "authorized_keys"));
        File.WriteAllText(KnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(HostKey + ".pub").Trim()}\n");
        _passwordLogin = login is not null;
        if (login is var (user, password))
        {
            var hash = Run.Command(["openssl", "passwd", "-6", "-stdin"], stdin: password + "\n");
            Assert.True(hash.Code == 0, hash.ToString());
            File.WriteAllText(Path.Combine(Root, "passwd"), File.ReadAllText("/etc/passwd") + $"{user}:x:0:0:{user}:/root:/bin/sh\n");
            File.WriteAllText(Path.Combine(Root, "shadow"), File.ReadAllText("/etc/shadow") + $"{user}:{hash.Stdout.Trim()}:19000:0:99999:7:::\n");
            File.SetUnixFileMode(Path.Combine(Root, "shadow"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(Path.Combine(Root, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {HostKey}
            AuthorizedKeysFile {Path.Combine(Root, "authorized_keys")}
            PidFile {Path.Combine(Root, "sshd.pid")}
            PermitRootLogin {(_passwordLogin ? "yes" : "prohibit-password")}
            PasswordAuthentication {(_passwordLogin ? "yes" : "no")}
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PrintMotd no
            PrintLastLog no
            UseDNS no
            {config}
            """);
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory (Debian's service makes it)
        _sshd = Start();
    }

    public string Log { get { lock (_log) return string.Join('\n', _log); } }

    private Process Start()
    {
        var sshd = new[] { "/usr/sbin/sshd", "-D", "-e", "-f", Path.Combine(Root, "sshd_config") };
        var argv = _passwordLogin
            ? ["unshare", "-m", "sh", "-c", "mount --bind \"$0/passwd\" /etc/passwd && mount --bind \"$0/shadow\" /etc/shadow && exec \"$@\"", Root, .. sshd]
            : sshd;
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_log) _log.Add(l); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        Assert.True(Poll.Until(() => p.HasExited || Banner(), TimeSpan.FromSeconds(20)), $"sshd did not answer: {Log}");
        Assert.False(p.HasExited, $"sshd exited: {Log}");
        return p;
    }

    /// <summary>A new host key at the same address, as after a replaced machine (or someone in the middle); sshd restarts on it, known_hosts is left as it was.</summary>
    public void ReplaceHostKey()
    {
        File.Delete(HostKey);
        File.Delete(HostKey + ".pub");
        Must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", HostKey]);
        Stop();
        _sshd = Start();
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

    private void Stop()
    {
        if (!_sshd.HasExited) { _sshd.Kill(entireProcessTree: true); _sshd.WaitForExit(); }
    }

    public void Dispose()
    {
        Stop();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
