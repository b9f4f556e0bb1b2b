using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real dbus-daemon playing the system bus (its own config, a unix socket in a temp dir, anyone
/// may own and call anything): what NFS-Ganesha and the systemd stand-in serve on and the agents
/// reach through DBUS_SYSTEM_BUS_ADDRESS. Stopped by PID.
/// </summary>
public sealed class PrivateSystemBus : IDisposable
{
    private readonly Process _daemon;

    public PrivateSystemBus(string dir)
    {
        var socket = Path.Combine(dir, "bus");
        Address = $"unix:path={socket}";
        File.WriteAllText(Path.Combine(dir, "dbus.conf"), $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>{Address}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        _daemon = Start("dbus-daemon", "--config-file", Path.Combine(dir, "dbus.conf"), "--nofork");
        Assert.True(Poll.Until(() => File.Exists(socket), TimeSpan.FromSeconds(30)), "dbus-daemon did not create its socket");
    }

    public string Address { get; }

    /// <summary>The environment a client of this bus needs.</summary>
    public Dictionary<string, string> Env => new() { ["DBUS_SYSTEM_BUS_ADDRESS"] = Address };

    /// <summary>Starts a server on this bus, its output discarded.</summary>
    public Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = Address;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static void Kill(Process? p)
    {
        if (p is { HasExited: false }) { p.Kill(); p.WaitForExit(); }
    }

    public void Dispose() => Kill(_daemon);
}
