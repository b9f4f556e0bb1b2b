using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// The iLO stand-in (tests/OcfAgents.IloSim) as a child process on loopback: RIBCL over TLS
/// (raw and POST /ribcl) with a CONNECT proxy, power and events kept in files this class reads.
/// Faithfulness is checked by the real fence_ilo in FenceRiloeTests. <paramref name="fault"/>:
/// none, stall (reads, never answers), garble (answers junk), truncate (answers half, closes).
/// </summary>
public sealed class IloSim : IDisposable
{
    public const string User = "admin", Password = "ilo-Pa55-word";
    public string Dir { get; }
    public string Address { get; }
    public int Port { get; }
    public int ProxyPort { get; }
    public string CertFile => Path.Combine(Dir, "cert.pem");
    private readonly Process _sim;

    public IloSim() : this("none", "127.0.0.1", 0) { }

    /// <summary>A stand-in with a fault, or on a given address and port (port 0: any free one).</summary>
    public static IloSim Start(string fault, string address = "127.0.0.1", int port = 0) => new(fault, address, port);

    /// <summary>
    /// A stand-in inside a cluster node's network namespace (the "management network" its fence
    /// device reaches), on that namespace's loopback and the iLO's own port, 443 by default.
    /// </summary>
    public static IloSim InNetNs(string netns, int port = 443) => new("none", "127.0.0.1", port, netns);

    private IloSim(string fault, string address, int port, string? netns = null)
    {
        Dir = Directory.CreateTempSubdirectory("ocfagents-ilosim.").FullName;
        Address = address;
        File.WriteAllText(Path.Combine(Dir, "password"), Password);
        var psi = new ProcessStartInfo(netns is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (netns is null ? [] : new[] { "netns", "exec", netns, "dotnet" }).Concat(new[] { Path.Combine(AppContext.BaseDirectory, "OcfAgents.IloSim.dll"), "--dir", Dir, "--user", User, "--fault", fault, "--bind", address, "--port", port.ToString() }))
            psi.ArgumentList.Add(a);
        _sim = Process.Start(psi)!;
        var stderr = _sim.StandardError.ReadToEndAsync();
        // Readiness: the simulator prints "ready <port> <proxy port>" once both sockets listen.
        var ready = _sim.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result?.Split(' ') is not ["ready", var p, var x])
        {
            Dispose();
            throw new InvalidOperationException($"the iLO stand-in did not start: {(stderr.IsCompleted ? stderr.Result : "no answer in 30 s")}");
        }
        Port = int.Parse(p);
        ProxyPort = int.Parse(x);
    }

    public bool PowerOn => File.ReadAllText(Path.Combine(Dir, "power")).Trim() == "on";
    public void SetPower(bool on) => File.WriteAllText(Path.Combine(Dir, "power"), on ? "on\n" : "off\n");
    private string EventsFile => Path.Combine(Dir, "events");
    public string[] AllEvents => File.Exists(EventsFile) ? File.ReadAllLines(EventsFile) : [];
    /// <summary>What was done to the host's power, without the logins.</summary>
    public string[] Events => AllEvents.Where(e => !e.StartsWith("login ", StringComparison.Ordinal) && !e.StartsWith("proxy ", StringComparison.Ordinal)).ToArray();
    public void ClearEvents() => File.Delete(EventsFile);

    /// <summary>fence-agent options for this stand-in, as stdin lines, trusting its certificate.</summary>
    public string Stdin(string action, string extra = "") =>
        $"action={action}\nip={Address}\nipport={Port}\nusername={User}\npassword={Password}\nssl_ca_file={CertFile}\n{extra}";

    public void Dispose()
    {
        try { _sim.Kill(true); _sim.WaitForExit(5000); } catch (InvalidOperationException) { }
        _sim.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
