using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real NFS-Ganesha 4.3 (ganesha.nfsd -F, NFSv4 only, TCP on a free loopback port) on a private
/// D-Bus "system" bus (<see cref="PrivateSystemBus"/>). Readiness: the export manager answers ShowExports on the bus. Stopped by PID.
/// </summary>
public sealed class GaneshaFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-ganesha.").FullName;
    public string BusAddress => _bus.Address;
    public int Port { get; } = DatabaseFixture.FreeTcpPort();
    private readonly PrivateSystemBus _bus;
    private Process? _ganesha;

    public GaneshaFixture()
    {
        _bus = new PrivateSystemBus(Root);
        Directory.CreateDirectory(Path.Combine(Root, "recovery"));
        File.WriteAllText(Path.Combine(Root, "ganesha.conf"), $$"""
            NFS_CORE_PARAM { Protocols = 4; NFS_Port = {{Port}}; Bind_addr = 127.0.0.1; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
            NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = {{Path.Combine(Root, "recovery")}}; }
            """);
        StartGanesha();
    }

    public void StartGanesha()
    {
        _ganesha = _bus.Start("ganesha.nfsd", "-F", "-f", Path.Combine(Root, "ganesha.conf"), "-L", Path.Combine(Root, "ganesha.log"), "-p", Path.Combine(Root, "ganesha.pid"), "-N", "NIV_EVENT");
        Assert.True(Until(() => Gdbus("ShowExports").Code == 0), $"ganesha did not answer on D-Bus: {Log}");
    }

    public void StopGanesha() => PrivateSystemBus.Kill(_ganesha);

    public string Log => File.Exists(Path.Combine(Root, "ganesha.log")) ? File.ReadAllText(Path.Combine(Root, "ganesha.log")) : "(no log)";

    private static bool Until(Func<bool> condition) => Poll.Until(condition, TimeSpan.FromSeconds(30));

    public AgentResult Gdbus(string method, params string[] args) =>
        Run.Command(["gdbus", "call", "--system", "--dest", "org.ganesha.nfsd", "--object-path", "/org/ganesha/nfsd/ExportMgr",
            "--method", $"org.ganesha.nfsd.exportmgr.{method}", .. args], env: new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = BusAddress });

    /// <summary>A real NFSv4 client's view (libnfs's nfs-ls) of PSEUDO on this server.</summary>
    public AgentResult List(string pseudo) => Run.Command(["nfs-ls", $"nfs://127.0.0.1{pseudo}?version=4&nfsport={Port}"], limit: TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        StopGanesha();
        _bus.Dispose();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
