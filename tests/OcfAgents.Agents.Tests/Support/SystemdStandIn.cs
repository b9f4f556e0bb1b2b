using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// systemd's manager as the agents reach it, on a node that is not booted with systemd: the D-Bus
/// stand-in tests/systemd-standin/systemd1.py owning org.freedesktop.systemd1 on a real
/// dbus-daemon (<see cref="PrivateSystemBus"/>). Units are UNIT.start and UNIT.stop command lines
/// in <see cref="Dir"/>; every call the manager receives is in its calls file. The stand-in is
/// checked against the real systemctl in SystemdStandInTests.
/// </summary>
public sealed class SystemdStandIn : IDisposable
{
    private readonly PrivateSystemBus _bus;
    private readonly Process _manager;

    public SystemdStandIn(string root)
    {
        Dir = Path.Combine(root, "systemd");
        Directory.CreateDirectory(Dir);
        _bus = new PrivateSystemBus(Dir);
        _manager = _bus.Start("/usr/bin/python3", Path.Combine(Built.RepoRoot, "tests", "systemd-standin", "systemd1.py"), Dir);
        Assert.True(Poll.Until(() => File.Exists(Path.Combine(Dir, "ready")) || _manager.HasExited, TimeSpan.FromSeconds(30)) && !_manager.HasExited,
            "the systemd stand-in did not take org.freedesktop.systemd1 (is python3-gi installed?)");
    }

    public string Dir { get; }

    /// <summary>The environment an agent needs to reach this systemd.</summary>
    public Dictionary<string, string> Env => _bus.Env;

    public void Unit(string name, string start, string stop)
    {
        File.WriteAllText(Path.Combine(Dir, name + ".start"), start);
        File.WriteAllText(Path.Combine(Dir, name + ".stop"), stop);
    }

    /// <summary>The jobs queued so far, as "StartUnit UNIT replace" and "StopUnit UNIT replace".</summary>
    public string[] Jobs() =>
        File.Exists(Path.Combine(Dir, "calls"))
            ? File.ReadAllLines(Path.Combine(Dir, "calls")).Where(c => c.StartsWith("StartUnit ") || c.StartsWith("StopUnit ")).ToArray()
            : [];

    public string[] Calls() => File.Exists(Path.Combine(Dir, "calls")) ? File.ReadAllLines(Path.Combine(Dir, "calls")) : [];

    public void Dispose()
    {
        PrivateSystemBus.Kill(_manager);
        _bus.Dispose();
    }
}
