using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// The systemd stand-in the systemd-mode tests of xcatd and xcatdb run against, checked with the
/// real client: Debian's systemctl, in a mount namespace whose /run says "booted with systemd"
/// (/run/systemd/system exists, no private socket), so that it talks to the stand-in over the
/// bus in DBUS_SYSTEM_BUS_ADDRESS. A blocking `systemctl start` returns only once the stand-in has
/// sent the JobRemoved signal for its job, as with systemd.
/// </summary>
public sealed class SystemdStandInTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ocfagents-systemd.").FullName;

    public void Dispose()
    {
        try { Directory.Delete(root, true); } catch (IOException) { }
    }

    private AgentResult Systemctl(SystemdStandIn systemd, string script) =>
        Run.Command(["unshare", "-m", "sh", "-c", $"mount -t tmpfs none /run && mkdir -p /run/systemd/system && {script}"],
            env: systemd.Env, limit: TimeSpan.FromSeconds(60));

    [Fact]
    public void The_real_systemctl_starts_stops_and_queries_a_unit_of_the_stand_in_as_it_would_with_systemd()
    {
        using var systemd = new SystemdStandIn(root);
        var pid = Path.Combine(root, "demo.pid");
        systemd.Unit("demo.service", $"echo $$ > {pid}; exec sleep 300", $"kill $(cat {pid})");

        var r = Systemctl(systemd, "systemctl start demo.service && systemctl is-active demo.service && systemctl stop demo.service; systemctl is-active demo.service");
        Assert.True(r.Code == 3, r.ToString()); // is-active of a stopped unit: 3, "inactive"
        Assert.Equal("active\ninactive\n", r.Stdout);
        Assert.Equal(["StartUnit demo.service replace", "StopUnit demo.service replace"], systemd.Jobs());
        Assert.False(Directory.Exists($"/proc/{File.ReadAllText(pid).Trim()}/fd"), "the unit's process survived systemctl stop");

        var unknown = Systemctl(systemd, "systemctl start nosuch.service");
        Assert.Equal(5, unknown.Code);
        Assert.Contains("Unit nosuch.service not found.", unknown.Stderr);
    }

    [Fact]
    public void The_real_systemctl_sees_a_unit_whose_process_exits_non_zero_as_failed()
    {
        using var systemd = new SystemdStandIn(root);
        systemd.Unit("broken.service", "exit 2", "true");
        var r = Systemctl(systemd, "systemctl start broken.service && while ! systemctl is-failed --quiet broken.service; do sleep 0.1; done; systemctl is-active broken.service");
        Assert.True(r.Code == 3, r.ToString());
        Assert.Equal("failed\n", r.Stdout);
    }
}
