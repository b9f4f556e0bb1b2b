using System.Diagnostics;
using System.Net.Sockets;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// An iLO's SSH interface: a real OpenSSH sshd (Debian's) on a free loopback port, in a mount
/// namespace whose /etc/passwd and /etc/shadow add the iLO's login "Administrator" (password
/// <see cref="Password"/>, or the key <see cref="IdentityFile"/>), with the SMASH CLP stand-in
/// tests/ilo-ssh-standin/clp.py as the forced command. The host key is generated per fixture and
/// pinned in <see cref="KnownHostsFile"/>. Readiness: the server's SSH banner. Stopped by PID.
/// </summary>
public sealed class IloSshFixture : IDisposable
{
    public const string User = "Administrator";
    public const string Password = "ilo-secret";
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-ilossh.").FullName;
    public int Port { get; } = DatabaseFixture.FreeTcpPort();
    public string KnownHostsFile => Path.Combine(Root, "ssh_known_hosts");
    public string IdentityFile => Path.Combine(Root, "id_ed25519");
    public string PowerFile => Path.Combine(Root, "power");
    private Process _sshd;

    public IloSshFixture()
    {
        Keygen(Path.Combine(Root, "host_key"));
        Keygen(IdentityFile);
        File.Copy(IdentityFile + ".pub", Path.Combine(Root, "authorized_keys"));
        var hostKey = File.ReadAllText(Path.Combine(Root, "host_key.pub")).Split(' ');
        File.WriteAllText(KnownHostsFile, $"[127.0.0.1]:{Port} {hostKey[0]} {hostKey[1]}\n");
        var hash = Run.Command(["openssl", "passwd", "-6", "-stdin"], stdin: Password + "\n");
        Assert.True(hash.Code == 0, hash.ToString());
        File.WriteAllText(Path.Combine(Root, "passwd"), File.ReadAllText("/etc/passwd") + $"{User}:x:0:0:iLO login:/root:/bin/sh\n");
        File.WriteAllText(Path.Combine(Root, "shadow"), File.ReadAllText("/etc/shadow") + $"{User}:{hash.Stdout.Trim()}:19000:0:99999:7:::\n");
        File.SetUnixFileMode(Path.Combine(Root, "shadow"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(Root, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(Root, "host_key")}
            PidFile {Path.Combine(Root, "sshd.pid")}
            UsePAM no
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            AuthorizedKeysFile {Path.Combine(Root, "authorized_keys")}
            StrictModes no
            PermitRootLogin yes
            PrintMotd no
            PrintLastLog no
            UseDNS no
            ForceCommand /usr/bin/python3 {Path.Combine(Built.RepoRoot, "tests", "ilo-ssh-standin", "clp.py")} {PowerFile}
            """);
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege-separation directory, which Debian makes at boot
        _sshd = StartSshd();
    }

    private Process StartSshd()
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", "sh", "-c", "mount --bind \"$0/passwd\" /etc/passwd && mount --bind \"$0/shadow\" /etc/shadow && exec /usr/sbin/sshd -D -e -f \"$0/sshd_config\"", Root })
            psi.ArgumentList.Add(a);
        var sshd = Process.Start(psi)!;
        sshd.OutputDataReceived += (_, _) => { };
        sshd.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_log) _log.Add(l); };
        sshd.BeginOutputReadLine();
        sshd.BeginErrorReadLine();
        Assert.True(Poll.Until(Banner, TimeSpan.FromSeconds(30)), $"sshd did not answer on port {Port}: {Log}");
        return sshd;
    }

    private readonly List<string> _log = [];

    public string Log { get { lock (_log) return string.Join('\n', _log); } }

    private static void Keygen(string file)
    {
        var r = Run.Command(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
        Assert.True(r.Code == 0, r.ToString());
    }

    private bool Banner()
    {
        try
        {
            using var tcp = new TcpClient("127.0.0.1", Port);
            var buffer = new byte[64];
            var n = tcp.GetStream().Read(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, n).StartsWith("SSH-2.0-", StringComparison.Ordinal);
        }
        catch (SocketException) { return false; }
    }

    /// <summary>The host's power as the CLP stand-in keeps it.</summary>
    public string Power
    {
        get => File.Exists(PowerFile) ? File.ReadAllText(PowerFile).Trim() : "On";
        set => File.WriteAllText(PowerFile, value);
    }

    /// <summary>The CLP commands received so far.</summary>
    public string[] Commands() => File.Exists(PowerFile + ".commands") ? File.ReadAllLines(PowerFile + ".commands") : [];

    /// <summary>A new host key for the same address, as after an iLO replacement (or an attacker in the middle); sshd is restarted on it.</summary>
    public void ReplaceHostKey()
    {
        File.Delete(Path.Combine(Root, "host_key"));
        File.Delete(Path.Combine(Root, "host_key.pub"));
        Keygen(Path.Combine(Root, "host_key"));
        StopSshd();
        _sshd = StartSshd();
    }

    private void StopSshd()
    {
        if (!_sshd.HasExited) { _sshd.Kill(entireProcessTree: true); _sshd.WaitForExit(); }
    }

    public void Dispose()
    {
        StopSshd();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
