using System.Text.Json;
using System.Text.Json.Nodes;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// xCAT's credentials as xCAT lays them out: a private CA, the server's certificate and key, and
/// the client's client-cred.pem (key and certificate in one file), made with the openssl CLI
/// once per test run; plus a second CA that signed nothing of xcatd's.
/// </summary>
public static class XcatCredentials
{
    private static readonly Lazy<string> Made = new(Make);
    public static string Dir => Made.Value;
    public static string Ca => Path.Combine(Dir, "ca.pem");
    public static string OtherCa => Path.Combine(Dir, "other-ca.pem");
    public static string ServerCert => Path.Combine(Dir, "server-cred.pem");
    public static string ServerKey => Path.Combine(Dir, "server.key");
    public static string ClientCred => Path.Combine(Dir, "client-cred.pem");

    private static string Make()
    {
        var dir = Directory.CreateTempSubdirectory("ocfagents-xcat-creds.").FullName;
        string P(string f) => Path.Combine(dir, f);
        void Openssl(params string[] args)
        {
            var r = Run.Command(["openssl", .. args]);
            Assert.True(r.Code == 0, $"openssl {string.Join(' ', args)}: {r}");
        }
        string[] ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        Openssl(["req", "-x509", .. ec, "-keyout", P("ca.key"), "-out", P("ca.pem"), "-days", "30", "-subj", "/CN=xCAT CA"]);
        Openssl(["req", "-x509", .. ec, "-keyout", P("other-ca.key"), "-out", P("other-ca.pem"), "-days", "30", "-subj", "/CN=Some other CA"]);
        foreach (var (name, cn) in new[] { ("server", "mn.cluster.example"), ("client", "root") })
        {
            Openssl(["req", .. ec, "-keyout", P($"{name}.key"), "-out", P($"{name}.csr"), "-subj", $"/CN={cn}"]);
            Openssl("x509", "-req", "-in", P($"{name}.csr"), "-CA", P("ca.pem"), "-CAkey", P("ca.key"), "-CAcreateserial", "-out", P($"{name}.pem"), "-days", "30");
        }
        File.Copy(P("server.pem"), P("server-cred.pem"));
        File.WriteAllText(P("client-cred.pem"), File.ReadAllText(P("client.key")) + File.ReadAllText(P("client.pem")));
        return dir;
    }
}

/// <summary>
/// One xcatd stand-in (tests/xcatd-standin/xcatd, see its header) in a temp directory: its
/// XCATROOT with the control file, free ports, a pid file, a console log, a config dir, and the
/// agent parameters that point at all of it. Dispose kills every process that carries this
/// XCATROOT in its environment.
/// </summary>
public sealed class XcatdStandIn : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ocfagents-xcatd.").FullName;
    public string XcatRoot => Path.Combine(Root, "opt-xcat");
    public string Binary => Path.Combine(Root, "xcatd");
    public string PidFile => Path.Combine(Root, "run", "xcatd.pid");
    public string ConfigDir => Path.Combine(Root, "etc-xcat");
    public string ConsoleLog => Path.Combine(Root, "xcatd.console.log");
    public string StateDir => Path.Combine(Root, "state");
    public string Calls => Path.Combine(Root, "requests");
    public int Port { get; } = DatabaseFixture.FreeTcpPort();
    public int InstallPort { get; } = DatabaseFixture.FreeTcpPort();
    public int LocalPort { get; } = DatabaseFixture.FreeTcpPort();

    private readonly JsonObject _control;

    public XcatdStandIn()
    {
        Directory.CreateDirectory(XcatRoot);
        Directory.CreateDirectory(Path.GetDirectoryName(PidFile)!);
        Directory.CreateDirectory(ConfigDir);
        File.Copy(Path.Combine(Built.RepoRoot, "tests", "xcatd-standin", "xcatd"), Binary);
        File.SetUnixFileMode(Binary, (UnixFileMode)0b111_101_101);
        _control = new JsonObject
        {
            ["port"] = Port, ["iport"] = InstallPort, ["lport"] = LocalPort,
            ["cert"] = XcatCredentials.ServerCert, ["key"] = XcatCredentials.ServerKey, ["ca"] = XcatCredentials.Ca,
            ["etc"] = ConfigDir, ["calls"] = Calls,
        };
        Save();
    }

    /// <summary>Changes the stand-in's behaviour; it re-reads the file at every decision.</summary>
    public void Set(string key, JsonNode? value)
    {
        _control[key] = value;
        Save();
    }

    private void Save()
    {
        var file = Path.Combine(XcatRoot, "standin.json");
        File.WriteAllText(file + ".tmp", _control.ToJsonString());
        File.Move(file + ".tmp", file, overwrite: true);
    }

    public Dictionary<string, string> Params(params (string, string)[] overrides)
    {
        var p = new Dictionary<string, string>
        {
            ["binary"] = Binary, ["pidfile"] = PidFile, ["xcatroot"] = XcatRoot, ["config_dir"] = ConfigDir,
            ["port"] = Port.ToString(), ["install_port"] = InstallPort.ToString(),
            ["client_cert"] = XcatCredentials.ClientCred, ["ca_file"] = XcatCredentials.Ca,
            ["logfile"] = ConsoleLog, ["state_dir"] = StateDir,
        };
        foreach (var (k, v) in overrides) p[k] = v;
        return p;
    }

    /// <summary>Live processes of this stand-in (zombies excluded), found by XCATROOT in their environment.</summary>
    public List<int> Processes()
    {
        var marker = $"XCATROOT={XcatRoot}\0";
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains(marker) && !File.ReadAllText(Path.Combine(dir, "stat")).Split(") ")[1].StartsWith('Z'))
                    pids.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException) { }
        }
        return pids;
    }

    /// <summary>argv[0] of a live process (the title xcatd gives itself), or null.</summary>
    public static string? Title(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0]; }
        catch (IOException) { return null; }
    }

    public int ListenerPid => int.Parse(File.ReadAllText(PidFile).Trim());

    public string[] Requests => File.Exists(Calls) ? File.ReadAllLines(Calls) : [];

    public void Dispose()
    {
        foreach (var pid in Processes())
            try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
