using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// A real database server's files for xCAT on temp "shared storage": a data directory with an
/// xcatdb database whose site table holds xcatdport, an account for cfgloc, and the cfgloc. The
/// server is left stopped: the agent under test starts it. The password holds ':' '|' '"' and
/// '\' on purpose (separators or escapes in cfgloc, .pgpass and my.cnf).
/// </summary>
public abstract class DatabaseFixture : IDisposable
{
    public const string XcatPassword = "cl|us:t\"er\\pw";
    public string Root { get; }
    public string Shared => Path.Combine(Root, "shared");
    public string DataDir => Path.Combine(Shared, "data");
    public string SocketDir => Path.Combine(Root, "sock");
    public string Cfgloc => Path.Combine(Root, "etc", "cfgloc");
    public string LogFile => Path.Combine(Root, "server.log");
    public int Port { get; } = FreeTcpPort();

    /// <summary>engine= value, cfgloc driver, server program name, pid file, name in messages.</summary>
    public abstract string Engine { get; }
    public abstract string Driver { get; }
    public abstract string ServerName { get; }
    public abstract string PidFile { get; }
    public abstract string EngineName { get; }
    public abstract string User { get; }
    /// <summary>A database the cfgloc user may open that has no site table.</summary>
    public abstract string DatabaseWithoutSite { get; }
    protected abstract IEnumerable<(string, string)> EngineParams();

    /// <summary>The system user the server runs as (postgres, mysql).</summary>
    public string ServerUser { get; }

    protected DatabaseFixture(string runAs)
    {
        ServerUser = runAs;
        Root = Directory.CreateTempSubdirectory($"ocfagents-{GetType().Name}.").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(SocketDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Cfgloc)!);
        File.SetUnixFileMode(Shared, (UnixFileMode)0b111_101_101);
        Must(["chown", $"{runAs}:", DataDir, SocketDir]);
    }

    public void WriteCfgloc(string password, string db = "xcatdb") =>
        File.WriteAllText(Cfgloc, $"{Driver}:dbname={db};host=127.0.0.1;port={Port}|{User}|{password}\n");

    /// <summary>The agent's parameters for this server.</summary>
    public Dictionary<string, string> Params(params (string, string)[] overrides)
    {
        var p = new Dictionary<string, string>
        {
            ["engine"] = Engine, ["cfgloc"] = Cfgloc, ["shared_root"] = Shared, ["datadir"] = DataDir,
            ["port"] = Port.ToString(), ["socket_dir"] = SocketDir, ["listen_addresses"] = "127.0.0.1", ["logfile"] = LogFile,
            ["state_dir"] = Path.Combine(Root, "state"),
        };
        foreach (var (k, v) in EngineParams()) p[k] = v;
        foreach (var (k, v) in overrides) p[k] = v;
        return p;
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

    public int? ServerPid => File.Exists(PidFile) ? int.Parse(File.ReadLines(PidFile).First()) : null;

    /// <summary>Runs a setup command; secrets go in <paramref name="stdin"/> or <paramref name="env"/>, never argv (tests scan /proc for them).</summary>
    protected static void Must(IReadOnlyList<string> argv, string? stdin = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var r = Run.Command(argv, env: env, stdin: stdin);
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
        foreach (var h in Holders()) try { Process.GetProcessById(h).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

/// <summary>PostgreSQL 15 (Debian's postgresql-15): initdb as user postgres, role xcatadm owning xcatdb.</summary>
public sealed class PostgresFixture : DatabaseFixture
{
    public const string Bin = "/usr/lib/postgresql/15/bin";
    public override string Engine => "postgresql";
    public override string Driver => "Pg";
    public override string ServerName => "postgres";
    public override string EngineName => "PostgreSQL";
    public override string PidFile => Path.Combine(DataDir, "postmaster.pid");
    public override string User => "xcatadm";
    public override string DatabaseWithoutSite => "postgres";
    protected override IEnumerable<(string, string)> EngineParams() => [("bindir", Bin)];

    public PostgresFixture() : base("postgres")
    {
        var pwfile = Path.Combine(Root, "superuser-password");
        File.WriteAllText(pwfile, "super");
        File.SetUnixFileMode(pwfile, (UnixFileMode)0b110_100_100);
        Must(["runuser", "-u", "postgres", "--", $"{Bin}/initdb", "-D", DataDir, "-A", "scram-sha-256", "--pwfile", pwfile, "-U", "postgres"]);
        Must(["runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", DataDir, "-w", "-l", Path.Combine(SocketDir, "setup.log"), "-o",
            $"-c port={Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={SocketDir}", "start"]);
        try
        {
            var literal = XcatPassword.Replace("'", "''");
            Sql("postgres", "super", "postgres", $"CREATE USER xcatadm PASSWORD '{literal}'", "CREATE DATABASE xcatdb OWNER xcatadm");
            Sql("xcatadm", XcatPassword, "xcatdb", "CREATE TABLE site (key VARCHAR(128) PRIMARY KEY, value TEXT)", "INSERT INTO site VALUES ('xcatdport', '3001')");
        }
        finally
        {
            Must(["runuser", "-u", "postgres", "--", $"{Bin}/pg_ctl", "-D", DataDir, "-m", "fast", "-w", "stop"]);
        }
        WriteCfgloc(XcatPassword);
    }

    private void Sql(string user, string password, string db, params string[] statements) =>
        Must(["runuser", "-u", "postgres", "--", $"{Bin}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-h", "127.0.0.1", "-p", Port.ToString(), "-U", user, "-d", db],
            stdin: string.Join(";\n", statements) + ";\n", env: new Dictionary<string, string> { ["PGPASSWORD"] = password });
}

/// <summary>
/// MariaDB 10.11 (Debian's mariadb-server): mariadb-install-db as user mysql, then a setup run of
/// mariadbd to add xcatadmin@localhost and @'%' (as xCAT's mysqlsetup does: the anonymous
/// ''@localhost account would otherwise shadow '%' for local connections), database xcatdb and
/// its site table.
/// </summary>
public sealed class MariaDbFixture : DatabaseFixture
{
    public override string Engine => "mysql";
    public override string Driver => "mysql";
    public override string ServerName => "mariadbd";
    public override string EngineName => "MariaDB";
    public override string PidFile => Path.Combine(DataDir, "xcatdb-mariadbd.pid");
    public override string User => "xcatadmin";
    public override string DatabaseWithoutSite => "nosite";
    protected override IEnumerable<(string, string)> EngineParams() => [];
    private string Socket => Path.Combine(SocketDir, "mysqld.sock");

    public MariaDbFixture() : base("mysql")
    {
        Must(["mariadb-install-db", "--no-defaults", $"--datadir={DataDir}", "--user=mysql", "--auth-root-authentication-method=socket"]);
        var psi = new ProcessStartInfo("setpriv") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=mysql", "--regid=mysql", "--init-groups", "--", "/usr/sbin/mariadbd", "--no-defaults", $"--datadir={DataDir}",
                     $"--socket={Socket}", $"--port={Port}", "--bind-address=127.0.0.1", $"--pid-file={Path.Combine(SocketDir, "setup.pid")}" })
            psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        _ = server.StandardOutput.ReadToEndAsync();
        var log = server.StandardError.ReadToEndAsync();
        try
        {
            // Readiness: the client gets in over the socket (root by unix_socket authentication).
            if (!SpinWait.SpinUntil(() => server.HasExited || Run.Command(["mariadb", "--no-defaults", $"--socket={Socket}", "-u", "root", "-e", "SELECT 1"]).Code == 0, TimeSpan.FromSeconds(60)))
                throw new TimeoutException("mariadbd did not accept connections within 60 s");
            if (server.HasExited) throw new InvalidOperationException($"mariadbd exited: {log.Result}");
            var literal = XcatPassword.Replace("\\", "\\\\").Replace("'", "\\'");
            Must(["mariadb", "--no-defaults", $"--socket={Socket}", "-u", "root"], stdin:
                "CREATE DATABASE xcatdb; CREATE DATABASE nosite; " +
                $"CREATE USER 'xcatadmin'@'localhost' IDENTIFIED BY '{literal}'; CREATE USER 'xcatadmin'@'%' IDENTIFIED BY '{literal}'; " +
                "GRANT ALL ON xcatdb.* TO 'xcatadmin'@'localhost'; GRANT ALL ON xcatdb.* TO 'xcatadmin'@'%'; GRANT ALL ON nosite.* TO 'xcatadmin'@'localhost'; GRANT ALL ON nosite.* TO 'xcatadmin'@'%'; " +
                "CREATE TABLE xcatdb.site (`key` VARCHAR(128) PRIMARY KEY, value TEXT); INSERT INTO xcatdb.site VALUES ('xcatdport', '3001');\n");
        }
        finally
        {
            Run.Command(["mariadb-admin", "--no-defaults", $"--socket={Socket}", "-u", "root", "shutdown"]);
            if (!server.WaitForExit(60_000)) server.Kill();
        }
        WriteCfgloc(XcatPassword);
    }
}
