using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real NFS-Ganesha 4.3 (ganesha.nfsd -F, NFSv4 only, TCP on a free loopback port) on a private
/// D-Bus "system" bus (dbus-daemon with its own config, unix socket in a temp dir). Readiness: the export manager answers ShowExports on the bus. Stopped by PID.
/// </summary>
public sealed class GaneshaFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-ganesha.").FullName;
    public string BusAddress => $"unix:path={Path.Combine(Root, "bus")}";
    public int Port { get; } = DatabaseFixture.FreeTcpPort();
    private readonly Process _dbus;
    private Process? _ganesha;

    public GaneshaFixture()
    {
        File.WriteAllText(Path.Combine(Root, "dbus.conf"), $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>{BusAddress}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        Directory.CreateDirectory(Path.Combine(Root, "recovery"));
        File.WriteAllText(Path.Combine(Root, "ganesha.conf"), $$"""
            NFS_CORE_PARAM { Protocols = 4; NFS_Port = {{Port}}; Bind_addr = 127.0.0.1; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
            NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = {{Path.Combine(Root, "recovery")}}; }
            """);
        _dbus = Start("dbus-daemon", "--config-file", Path.Combine(Root, "dbus.conf"), "--nofork");
        Assert.True(Until(() => File.Exists(Path.Combine(Root, "bus"))), "dbus-daemon did not create its socket");
        StartGanesha();
    }

    public void StartGanesha()
    {
        _ganesha = Start("ganesha.nfsd", "-F", "-f", Path.Combine(Root, "ganesha.conf"), "-L", Path.Combine(Root, "ganesha.log"), "-p", Path.Combine(Root, "ganesha.pid"), "-N", "NIV_EVENT");
        Assert.True(Until(() => Gdbus("ShowExports").Code == 0), $"ganesha did not answer on D-Bus: {Log}");
    }

    public void StopGanesha()
    {
        if (_ganesha is { HasExited: false } g) { g.Kill(); g.WaitForExit(); }
    }

    public string Log => File.Exists(Path.Combine(Root, "ganesha.log")) ? File.ReadAllText(Path.Combine(Root, "ganesha.log")) : "(no log)";

    private Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = BusAddress;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static bool Until(Func<bool> condition) => Poll.Until(condition, TimeSpan.FromSeconds(30));

    public AgentResult Gdbus(string method, params string[] args) =>
        Run.Command(["gdbus", "call", "--system", "--dest", "org.ganesha.nfsd", "--object-path", "/org/ganesha/nfsd/ExportMgr",
            "--method", $"org.ganesha.nfsd.exportmgr.{method}", .. args], env: new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = BusAddress });

    /// <summary>A real NFSv4 client's view (libnfs's nfs-ls) of PSEUDO on this server.</summary>
    public AgentResult List(string pseudo) => Run.Command(["nfs-ls", $"nfs://127.0.0.1{pseudo}?version=4&nfsport={Port}"], limit: TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        StopGanesha();
        if (!_dbus.HasExited) { _dbus.Kill(); _dbus.WaitForExit(); }
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
