using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// fence_riloe transport=ssh (the SMASH CLP of iLO3 and later, through SSH.NET) against a real
/// OpenSSH sshd whose forced command plays the CLP (<see cref="IloSshFixture"/>); the real
/// fence_ilo_ssh of fence-agents drives the same server first, to show it answers as an iLO does.
/// </summary>
public sealed class FenceRiloeSshTests : IDisposable
{
    private readonly IloSshFixture ilo = new();
    private static string Agent => Built.Release("fence_riloe");

    public void Dispose() => ilo.Dispose();

    private string Options(string action, string login) =>
        $"action={action}\nip=127.0.0.1\nipport={ilo.Port}\nusername={IloSshFixture.User}\ntransport=ssh\n" +
        $"ssh_known_hosts={ilo.KnownHostsFile}\npower_wait=0\n{login}";

    private AgentResult Fence(string action, string login = $"password={IloSshFixture.Password}\n") =>
        Run.Fence(Agent, [], Options(action, login), limit: TimeSpan.FromSeconds(60));

    private AgentResult FenceIloSsh(string action) =>
        Run.Fence("/usr/sbin/fence_ilo_ssh", [],
            $"action={action}\nip=127.0.0.1\nipport={ilo.Port}\nusername={IloSshFixture.User}\npassword={IloSshFixture.Password}\nsecure=1\n" +
            $"ssh_options=-o UserKnownHostsFile={ilo.KnownHostsFile} -o StrictHostKeyChecking=yes\npower_wait=0\n",
            limit: TimeSpan.FromSeconds(90));

    [Fact]
    public void The_real_fence_ilo_ssh_reads_status_switches_power_and_reboots_through_the_stand_in()
    {
        var status = FenceIloSsh("status");
        Assert.True(status.Code == 0, status + ilo.Log);
        Assert.Contains("Status: ON", status.Stdout);
        Assert.Equal(0, FenceIloSsh("off").Code);
        Assert.Equal("Off", ilo.Power);
        Assert.Equal(2, FenceIloSsh("status").Code);
        Assert.Equal(0, FenceIloSsh("on").Code);
        Assert.Equal("On", ilo.Power);
        var reboot = FenceIloSsh("reboot");
        Assert.True(reboot.Code == 0, reboot.ToString());
        Assert.Contains("power off hard", ilo.Commands());
        Assert.Contains("start /system1", ilo.Commands());
    }

    [Fact]
    public void Status_off_on_and_reboot_speak_the_CLP_with_a_password_and_verify_the_power_state()
    {
        var status = Fence("status");
        Assert.True(status.Code == 0, status + ilo.Log);
        Assert.Equal("Status: ON\n", status.Stdout);

        var off = Fence("off");
        Assert.True(off.Code == 0, off.ToString());
        Assert.Equal("Off", ilo.Power);
        Assert.Equal(2, Fence("status").Code);

        var on = Fence("on");
        Assert.True(on.Code == 0, on.ToString());
        Assert.Equal("On", ilo.Power);

        var reboot = Fence("reboot");
        Assert.True(reboot.Code == 0, reboot.ToString());
        Assert.Equal("On", ilo.Power);
        var commands = ilo.Commands();
        Assert.Equal(["power", "power", "power off hard", "power", "power", "power", "power on", "power"], commands[..8]);
        Assert.Contains("power off hard", commands[8..]);
        Assert.Contains("power on", commands[8..]);
    }

    [Fact]
    public void A_private_key_logs_in_without_a_password()
    {
        var r = Fence("status", $"identity_file={ilo.IdentityFile}\n");
        Assert.True(r.Code == 0, r + ilo.Log);
        Assert.Contains("Accepted publickey for Administrator", ilo.Log);
    }

    [Fact]
    public void A_changed_host_key_is_refused_before_any_login_naming_both_keys()
    {
        ilo.ReplaceHostKey();
        var r = Fence("off");
        Assert.Equal(1, r.Code);
        Assert.Matches(@"ERROR: \[127\.0\.0\.1\]:\d+ presented host key ssh-ed25519 SHA256:\S+, not the one ssh_known_hosts \S+ pins \(ssh-ed25519 SHA256:\S+\): refusing to log in",
            FenceChecks.ErrorLine(r));
        Assert.Equal("On", ilo.Power);
        Assert.DoesNotContain("Accepted", ilo.Log);
        Assert.DoesNotContain("Failed password", ilo.Log);
    }

    [Fact]
    public void A_host_missing_from_ssh_known_hosts_is_refused_with_how_to_pin_it()
    {
        File.WriteAllText(ilo.KnownHostsFile, "# nothing pinned\n");
        var r = Fence("status");
        Assert.Equal(1, r.Code);
        Assert.Contains($"[127.0.0.1]:{ilo.Port} has no host key in ssh_known_hosts {ilo.KnownHostsFile}: pin the iLO's key first", FenceChecks.ErrorLine(r));
    }

    [Fact]
    public void A_wrong_password_is_refused_by_the_iLO_and_said_so()
    {
        var r = Fence("status", "password=wrong\n");
        Assert.Equal(1, r.Code);
        Assert.Contains($"the iLO at [127.0.0.1]:{ilo.Port} refused the login of Administrator", FenceChecks.ErrorLine(r));
    }

    /// <summary>SSH is spoken in-process (SSH.NET): no ssh, sshpass or expect is run that could carry the password in argv or env.</summary>
    [Fact]
    public void The_login_runs_no_program()
    {
        var trace = Path.Combine(ilo.Root, "execve.strace");
        var r = Run.Fence("strace", ["-f", "-qq", "-e", "trace=execve,fork,vfork,clone3", "-o", trace, Agent], Options("status", $"password={IloSshFixture.Password}\n"),
            limit: TimeSpan.FromSeconds(60));
        Assert.True(r.Code == 0, r.ToString());
        var calls = File.ReadAllLines(trace);
        Assert.Single(calls, l => l.Contains("execve("));
        Assert.DoesNotContain(calls, l => l.Contains("fork(") || (l.Contains("clone3(") && !l.Contains("CLONE_THREAD")));
    }
}
