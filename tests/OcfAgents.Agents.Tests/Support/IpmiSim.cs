using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real BMC simulator: OpenIPMI's ipmi_sim on a loopback UDP port (docs/ARCHITECTURE.md §4), with
/// the chassis power kept in a state file by a chassis_control script. Users: "admin"/"secret"
/// (administrator) and "oper"/"operpass" (operator). ipmi_sim speaks IPMI 1.5 (MD5, straight
/// password) and RMCP+ cipher suites 0–3 and 6, never 17.
/// </summary>
public sealed class IpmiSim : IDisposable
{
    public const string User = "admin", Password = "secret";
    public string Dir { get; }
    public int Port { get; }
    private readonly Process _sim;

    /// <summary>The network namespace the simulator listens in (a cluster node's), or null for this machine's.</summary>
    public string? NetNs { get; }

    public IpmiSim() : this(null) { }

    /// <summary>A simulator listening in another network namespace (a cluster node's).</summary>
    public static IpmiSim InNetNs(string netns) => new(netns);

    private IpmiSim(string? netns)
    {
        NetNs = netns;
        Dir = Directory.CreateTempSubdirectory("ocfagents-ipmisim.").FullName;
        Port = FreeUdpPort();
        var state = Path.Combine(Dir, "state");
        Directory.CreateDirectory(state);
        var chassis = Path.Combine(Built.RepoRoot, "tests", "ipmi-sim", "chassis.sh");
        File.WriteAllText(Path.Combine(Dir, "lan.conf"), $"""
            name "sim"
            set_working_mc 0x20
              startlan 1
                addr 127.0.0.1 {Port}
                priv_limit admin
                allowed_auths_callback none md2 md5 straight
                allowed_auths_user none md2 md5 straight
                allowed_auths_operator none md2 md5 straight
                allowed_auths_admin none md2 md5 straight
                guid a123456789abcdefa123456789abcdef
              endlan
              chassis_control "{chassis} {state}"
              user 2 true "{User}" "{Password}" admin 10 none md2 md5 straight
              user 3 true "oper" "operpass" operator 10 none md2 md5 straight
            """);
        File.WriteAllText(Path.Combine(Dir, "sim.emu"), "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n");
        SetPower(true);
        var psi = new ProcessStartInfo(netns is null ? "ipmi_sim" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        string[] prefix = netns is null ? [] : ["netns", "exec", netns, "ipmi_sim"];
        foreach (var a in prefix.Concat(["-n", "-p", "-c", Path.Combine(Dir, "lan.conf"), "-f", Path.Combine(Dir, "sim.emu"), "-s", state])) psi.ArgumentList.Add(a);
        _sim = Process.Start(psi)!;
        _sim.StandardOutput.ReadToEndAsync();
        _sim.StandardError.ReadToEndAsync();
        try { WaitReady(); }
        catch { Dispose(); throw; }
    }

    public string StateDir => Path.Combine(Dir, "state");
    public bool PowerOn => File.ReadAllText(Path.Combine(StateDir, "power")).Trim() == "1";
    public void SetPower(bool on) => File.WriteAllText(Path.Combine(StateDir, "power"), on ? "1\n" : "0\n");
    public string[] Events => File.Exists(Path.Combine(StateDir, "events")) ? File.ReadAllLines(Path.Combine(StateDir, "events")) : [];
    public void ClearEvents() => File.Delete(Path.Combine(StateDir, "events"));

    /// <summary>fence-agent options for this simulator, as stdin lines.</summary>
    public string Stdin(string action, string extra = "") =>
        $"action={action}\nip=127.0.0.1\nipport={Port}\nusername={User}\npassword={Password}\n{extra}";

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    // Readiness: a sessionless Get Channel Authentication Capabilities (RMCP | v1.5 header, no
    // auth | 20 18 c8 81 04 38 0e 04 31) answered by anything.
    private void WaitReady()
    {
        if (NetNs is not null)
        {
            // Not reachable from here: ask from inside its namespace, as the node's fence agent will.
            var ready = Poll.Until(() => _sim.HasExited || Run.Command(["ip", "netns", "exec", NetNs, "ipmitool", "-I", "lanplus", "-C", "3", "-H", "127.0.0.1",
                "-p", Port.ToString(), "-U", User, "-E", "-N", "1", "-R", "1", "chassis", "power", "status"],
                env: new Dictionary<string, string> { ["IPMI_PASSWORD"] = Password }).Code == 0, TimeSpan.FromSeconds(20));
            if (_sim.HasExited || !ready) throw new TimeoutException($"ipmi_sim in {NetNs} did not answer");
            return;
        }
        byte[] probe = [0x06, 0x00, 0xFF, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x09, 0x20, 0x18, 0xC8, 0x81, 0x04, 0x38, 0x0E, 0x04, 0x31];
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Connect(new IPEndPoint(IPAddress.Loopback, Port));
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_sim.HasExited) throw new InvalidOperationException($"ipmi_sim exited with {_sim.ExitCode}");
            try
            {
                s.Send(probe);
                if (s.Poll(100_000, SelectMode.SelectRead)) { s.Receive(new byte[512]); return; }
            }
            catch (SocketException) { Thread.Sleep(50); }
        }
        throw new TimeoutException("ipmi_sim did not answer within 15 s");
    }

    public void Dispose()
    {
        try { _sim.Kill(true); _sim.WaitForExit(5000); } catch (InvalidOperationException) { }
        _sim.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
