using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real PostgreSQL 15 cluster (Debian's postgresql-15) made for xCAT: initdb as user postgres
/// into a temp "shared storage" directory, a role xcatadm owning database xcatdb with a site
/// table holding xcatdport, and a cfgloc naming it. The server is left stopped: the agent starts
/// it. The password contains ':' and '|' on purpose (both are separators somewhere).
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    public const string Bin = "/usr/lib/postgresql/15/bin";
    public const string XcatPassword = "cluster|pw:1";
    public string Root { get; }
    public string Shared => Path.Combine(Root, "shared");
    public string DataDir => Path.Combine(Shared, "pgdata");
    public string SocketDir => Path.Combine(Root, "sock");
    public string Cfgloc => Path.Combine(Root, "etc", "cfgloc");
    public string LogFile => Path.Combine(Root, "postgres.log");
    public int Port { get; }

    public PostgresFixture()
    {
        Root = Directory.CreateTempSubdirectory("ocfagents-pg.").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(SocketDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Cfgloc)!);
        Must(["chown", "postgres:postgres", DataDir, SocketDir]);
        File.SetUnixFileMode(Shared, (UnixFileMode)0b111_101_101);
        Port = FreeTcpPort();
        var pwfile = Path.Combine(Root, "superuser-password");
        File.WriteAllText(pwfile, "super");
        File.SetUnixFileMode(pwfile, (UnixFileMode)0b110_100_100);
        Must(["runuser", "-u", "postgres", "--", $"{Bin}/initdb", "-D", DataDir, "-A", "scram-sha-256", "--pwfile", pwfile, "-U", "postgres"]);
        Must(["runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", DataDir, "-w", "-l", Path.Combine(SocketDir, "setup.log"), "-o",
            $"-c port={Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={SocketDir}", "start"]);
        try
        {
            Sql("postgres", "super", "postgres", $"CREATE USER xcatadm PASSWORD '{XcatPassword}'", "CREATE DATABASE xcatdb OWNER xcatadm");
            Sql("xcatadm", XcatPassword, "xcatdb", "CREATE TABLE site (key VARCHAR(128) PRIMARY KEY, value TEXT)", "INSERT INTO site VALUES ('xcatdport', '3001')");
        }
        finally
        {
            Must(["runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", DataDir, "-m", "fast", "-w", "stop"]);
        }
        WriteCfgloc(XcatPassword);
    }

    public void WriteCfgloc(string password, string db = "xcatdb") =>
        File.WriteAllText(Cfgloc, $"Pg:dbname={db};host=127.0.0.1;port={Port}|xcatadm|{password}\n");

    /// <summary>The agent's parameters for this cluster.</summary>
    public Dictionary<string, string> Params(params (string, string)[] overrides)
    {
        var p = new Dictionary<string, string>
        {
            ["engine"] = "postgresql", ["cfgloc"] = Cfgloc, ["shared_root"] = Shared, ["datadir"] = DataDir, ["bindir"] = Bin,
            ["port"] = Port.ToString(), ["socket_dir"] = SocketDir, ["listen_addresses"] = "127.0.0.1", ["logfile"] = LogFile,
        };
        foreach (var (k, v) in overrides) p[k] = v;
        return p;
    }

    public void Sql(string user, string password, string db, params string[] statements)
    {
        var argv = new List<string> { "runuser", "-u", "postgres", "--", "env", $"PGPASSWORD={password}", $"{Bin}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", Port.ToString(), "-U", user, "-d", db };
        foreach (var s in statements) argv.AddRange(["-c", s]);
        Must(argv);
    }

    /// <summary>Live processes whose working directory is in the data directory.</summary>
    public int[] Holders() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0)
        .Where(pid =>
        {
            try { return new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(false)?.FullName.StartsWith(DataDir, StringComparison.Ordinal) == true && !IsZombie(pid); }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }).ToArray();

    private static bool IsZombie(int pid)
    {
        try { var stat = File.ReadAllText($"/proc/{pid}/stat"); return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'); }
        catch (IOException) { return true; }
    }

    public int? PostmasterPid => File.Exists(Path.Combine(DataDir, "postmaster.pid"))
        ? int.Parse(File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First()) : null;

    private static void Must(IReadOnlyList<string> argv)
    {
        var r = Run.Command(argv);
        if (r.Code != 0) throw new InvalidOperationException($"{string.Join(' ', argv.Take(6))}: {r}");
    }

    public static int FreeTcpPort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        if (PostmasterPid is { } pid) try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        foreach (var h in Holders()) try { Process.GetProcessById(h).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
