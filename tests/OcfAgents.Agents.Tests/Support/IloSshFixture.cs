namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// An iLO's SSH interface: a real OpenSSH sshd (<see cref="SshdFixture"/>) whose login
/// "Administrator" takes password <see cref="Password"/> or the client key, with the SMASH CLP
/// stand-in tests/ilo-ssh-standin/clp.py as the forced command. The host key is pinned in
/// <see cref="KnownHostsFile"/>. The host's power and the commands received are files in
/// <see cref="Root"/>.
/// </summary>
public sealed class IloSshFixture : IDisposable
{
    public const string User = "Administrator";
    public const string Password = "ilo-secret";
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-ilossh.").FullName;
    public string PowerFile => Path.Combine(Root, "power");
    private readonly SshdFixture _sshd;

    public IloSshFixture() =>
        _sshd = new SshdFixture((User, Password),
            $"ForceCommand /usr/bin/python3 {Path.Combine(Built.RepoRoot, "tests", "ilo-ssh-standin", "clp.py")} {PowerFile}");

    public int Port => _sshd.Port;
    public string KnownHostsFile => _sshd.KnownHosts;
    public string IdentityFile => _sshd.ClientKey;
    public string Log => _sshd.Log;

    /// <summary>The host's power as the CLP stand-in keeps it.</summary>
    public string Power
    {
        get => File.Exists(PowerFile) ? File.ReadAllText(PowerFile).Trim() : "On";
        set => File.WriteAllText(PowerFile, value);
    }

    /// <summary>The CLP commands received so far.</summary>
    public string[] Commands() => File.Exists(PowerFile + ".commands") ? File.ReadAllLines(PowerFile + ".commands") : [];

    /// <summary>A new host key for the same address, as after an iLO replacement (or an attacker in the middle).</summary>
    public void ReplaceHostKey() => _sshd.ReplaceHostKey();

    public void Dispose()
    {
        _sshd.Dispose();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
