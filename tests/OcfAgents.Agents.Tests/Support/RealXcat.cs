using System.Diagnostics;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// The real xCAT 2.19.0 (/opt/xcat from xcat2/xcat-core), run as a private management node by
/// tests/xcat/xcat-node.sh: chrooted in its own mount, network, UTS and PID namespaces, with
/// credentials made by xCAT's own setup scripts and tables filled by xCAT's own chtab (SQLite).
/// The tree comes from $XCAT_TARBALL, else ../shared/xcat beside the repository, checked against
/// the SHA256SUMS beside the tarball. Without either, tests marked [RealXcatFact] are skipped
/// with that reason — reported as skipped, never as passed.
///
/// Added to the unpacked tree for the tests: a plugin (lib/perl/xCAT_plugin/ocfsleep.pm) whose
/// command sleeps 300 s, the way rinstall, copycds or updatenode keep a request running, and the
/// client for it (bin/ocfsleep, a link to xCAT's own xcatclientnnr).
/// </summary>
public class RealXcat : IDisposable
{
    public static string? Tarball { get; } = FindTarball();

    public static string MissingReason =>
        "no real xCAT tree: set XCAT_TARBALL to xcat-2.19.0-opt.tar.xz (with its SHA256SUMS beside it) or put ../shared/xcat beside the repository";

    private static string? FindTarball()
    {
        var fromEnv = Environment.GetEnvironmentVariable("XCAT_TARBALL");
        if (fromEnv is { Length: > 0 } && File.Exists(fromEnv)) return fromEnv;
        var beside = Path.GetFullPath(Path.Combine(Built.RepoRoot, "..", "shared", "xcat", "xcat-2.19.0-opt.tar.xz"));
        return File.Exists(beside) ? beside : null;
    }

    private static string Script => Path.Combine(Built.RepoRoot, "tests", "xcat", "xcat-node.sh");

    public string Dir { get; }
    public string Tree => Path.Combine(Dir, "tree", "xcat");
    public string Node => Path.Combine(Dir, "node");

    public enum Tables { Sqlite, Postgres, MariaDb }

    public RealXcat() : this(Tables.Sqlite) { }

    /// <summary>Where the database server keeps its data and socket when the node uses one (bind-mounted at the same path).</summary>
    public string PostgresDir => Path.Combine(Dir, "pg");
    public string MariaDbDir => Path.Combine(Dir, "mariadb");
    private readonly Tables _tables;
    private const string PgBin = "/usr/lib/postgresql/15/bin";

    protected RealXcat(Tables tables)
    {
        _tables = tables;
        Dir = Directory.CreateTempSubdirectory("ocfagents-realxcat.").FullName;
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        if (Tarball is null) return;
        Must(Run.Command([Script, "unpack", Tarball, Path.Combine(Dir, "tree")]), "unpack");
        File.WriteAllText(Path.Combine(Tree, "lib", "perl", "xCAT_plugin", "ocfsleep.pm"), """
            package xCAT_plugin::ocfsleep;
            # A request that runs long, as rinstall, copycds or updatenode do.
            sub handled_commands { return { ocfsleep => "ocfsleep" }; }
            sub process_request {
                my ($request, $callback) = @_;
                system("sleep", "300");
                $callback->({ data => ["slept"] });
            }
            1;
            """);
        File.CreateSymbolicLink(Path.Combine(Tree, "bin", "ocfsleep"), "xcatclientnnr");
        Directory.CreateDirectory(Node);
        Directory.CreateDirectory(PostgresDir);
        Directory.CreateDirectory(MariaDbDir);
        Must(Run.Command([Script, "start", Node, Tree, Built.RepoRoot, PostgresDir, MariaDbDir], TimeSpan.FromSeconds(120)), "start the node");
        try
        {
            if (tables == Tables.Postgres) UsePostgres();
            if (tables == Tables.MariaDb) UseMariaDb();
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw: the node must not outlive it.
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// MariaDB 10.11 inside the node on 127.0.0.1:3306 (xcatdb, xcatadmin@localhost and @'%', as
    /// xCAT's mysqlsetup makes them), named in /etc/xcat/cfgloc; xCAT's chtab creates the tables.
    /// </summary>
    private void UseMariaDb()
    {
        Must(Run.Command(["chown", "-R", "mysql:", MariaDbDir]), "chown the MariaDB directory");
        Must(Exec(["mariadb-install-db", "--no-defaults", $"--datadir={Path.Combine(MariaDbDir, "data")}", "--user=mysql", "--auth-root-authentication-method=socket"]), "mariadb-install-db");
        StartDatabase();
        Must(Exec(["mariadb", "--no-defaults", $"--socket={Path.Combine(MariaDbDir, "sock")}", "-u", "root", "-e",
            "CREATE DATABASE xcatdb; CREATE USER 'xcatadmin'@'localhost' IDENTIFIED BY 'cluster'; CREATE USER 'xcatadmin'@'%' IDENTIFIED BY 'cluster'; " +
            "GRANT ALL ON xcatdb.* TO 'xcatadmin'@'localhost'; GRANT ALL ON xcatdb.* TO 'xcatadmin'@'%';"]), "create xcatdb");
        Must(Exec(["sh", "-c", "echo 'mysql:dbname=xcatdb;host=127.0.0.1|xcatadmin|cluster' > /etc/xcat/cfgloc && chmod 600 /etc/xcat/cfgloc"]), "write cfgloc");
        FillTables("MariaDB");
    }

    private void FillTables(string where) =>
        Must(Exec(["env", "XCATBYPASS=1", "sh", "-c",
            "chtab key=master site.value=127.0.0.1 && chtab key=xcatdport site.value=3001 && chtab key=xcatiport site.value=3002 && " +
            "chtab key=domain site.value=cluster && chtab priority=1 policy.name=root policy.rule=allow"]), $"fill xCAT's tables in {where}");

    /// <summary>
    /// PostgreSQL 15 inside the node on 127.0.0.1:5432 (a database xcatdb owned by xcatadm), named in
    /// /etc/xcat/cfgloc; xCAT creates its tables there itself when chtab first writes them.
    /// </summary>
    private void UsePostgres()
    {
        var pwfile = Path.Combine(PostgresDir, "superuser-password");
        File.WriteAllText(pwfile, "super\n");
        Must(Run.Command(["chown", "-R", "postgres:", PostgresDir]), "chown the PostgreSQL directory");
        Must(Exec(["runuser", "-u", "postgres", "--", $"{PgBin}/initdb", "-D", Path.Combine(PostgresDir, "data"), "-A", "scram-sha-256", $"--pwfile={pwfile}", "-U", "postgres"]), "initdb");
        StartDatabase();
        Must(Exec(["runuser", "-u", "postgres", "--", "env", "PGPASSWORD=super", "psql", "-X", "-q", "-h", "127.0.0.1", "-U", "postgres",
            "-c", "CREATE USER xcatadm PASSWORD 'cluster'", "-c", "CREATE DATABASE xcatdb OWNER xcatadm"]), "create xcatdb");
        Must(Exec(["sh", "-c", "echo 'Pg:dbname=xcatdb;host=127.0.0.1|xcatadm|cluster' > /etc/xcat/cfgloc && chmod 600 /etc/xcat/cfgloc"]), "write cfgloc");
        FillTables("PostgreSQL");
    }

    /// <summary>Starts the node's database server (and waits until it answers).</summary>
    public void StartDatabase()
    {
        if (_tables == Tables.Postgres)
        {
            Must(Exec(["runuser", "-u", "postgres", "--", $"{PgBin}/pg_ctl", "-D", Path.Combine(PostgresDir, "data"), "-l", Path.Combine(PostgresDir, "server.log"),
                "-o", $"-c listen_addresses=127.0.0.1 -c unix_socket_directories={PostgresDir}", "-w", "start"]), "start PostgreSQL");
            return;
        }
        Must(Exec(["sh", "-c", "setpriv --reuid=mysql --regid=mysql --init-groups -- /usr/sbin/mariadbd --no-defaults " +
            $"--datadir={Path.Combine(MariaDbDir, "data")} --socket={Path.Combine(MariaDbDir, "sock")} --port=3306 --bind-address=127.0.0.1 " +
            $"--pid-file={Path.Combine(MariaDbDir, "pid")} > {Path.Combine(MariaDbDir, "server.log")} 2>&1 &"]), "start MariaDB");
        if (!Poll.Until(() => Exec(["mariadb-admin", "--no-defaults", $"--socket={Path.Combine(MariaDbDir, "sock")}", "-u", "root", "ping"]).Code == 0,
                TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)))
            throw new InvalidOperationException("real xCAT: MariaDB did not answer within 60 s");
    }

    /// <summary>Stops the node's database server, as an admin would (a clean shutdown).</summary>
    public void StopDatabase()
    {
        if (_tables == Tables.Postgres)
            Must(Exec(["runuser", "-u", "postgres", "--", $"{PgBin}/pg_ctl", "-D", Path.Combine(PostgresDir, "data"), "-m", "fast", "-w", "stop"]), "stop PostgreSQL");
        else
            Must(Exec(["mariadb-admin", "--no-defaults", $"--socket={Path.Combine(MariaDbDir, "sock")}", "-u", "root", "shutdown"]), "stop MariaDB");
    }

    private static void Must(AgentResult r, string what)
    {
        if (r.Code != 0) throw new InvalidOperationException($"real xCAT: {what} failed: {r}{r.Stdout}");
    }

    /// <summary>argv inside the node (root /, xCAT's PATH, HOME=/root).</summary>
    public AgentResult Exec(IReadOnlyList<string> argv, TimeSpan? limit = null, string? stdin = null) =>
        Run.Command([Script, "exec", Node, .. argv], limit ?? TimeSpan.FromSeconds(120), stdin: stdin);

    /// <summary>argv inside the node, left running (a client whose request is in flight).</summary>
    public Process Spawn(IReadOnlyList<string> argv)
    {
        var psi = new ProcessStartInfo(Script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", Node }.Concat(argv)) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>The xcatd agent inside the node, as the executor runs it.</summary>
    public AgentResult Agent(string action, Dictionary<string, string>? reskeys = null, Dictionary<string, string>? env = null, string? binary = null)
    {
        var argv = new List<string> { "env", "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=xcatd" };
        foreach (var (k, v) in reskeys ?? []) argv.Add($"OCF_RESKEY_{k}={v}");
        foreach (var (k, v) in env ?? []) argv.Add($"{k}={v}");
        argv.AddRange([binary ?? Built.Release("xcatd"), action]);
        return Exec(argv);
    }

    /// <summary>Every process in the node but its init: (pid, state, title).</summary>
    public List<(int Pid, char State, string Title)> Processes()
    {
        var r = Exec(["ps", "-eo", "pid=,stat=,args="]);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3 && f[0] != "1")
            .Select(f => (int.Parse(f[0]), f[1][0], f[2]))
            .Where(p => !p.Item3.StartsWith("ps -eo", StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>Ports listening in the node (TCP).</summary>
    public bool Listening(int port) => Exec(["ss", "-Hltn", $"sport = :{port}"]).Stdout.Trim().Length > 0;

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        if (Directory.Exists(Node)) Run.Command([Script, "stop", Node]);
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The real xCAT node with its tables in PostgreSQL 15 (cfgloc), as a management node with a database server has them.</summary>
public sealed class RealXcatOnPostgres() : RealXcat(Tables.Postgres);

/// <summary>The real xCAT node with its tables in MariaDB 10.11 (cfgloc).</summary>
public sealed class RealXcatOnMariaDb() : RealXcat(Tables.MariaDb);

/// <summary>A fact that needs the real xCAT tree: skipped, with the reason, where there is none.</summary>
public sealed class RealXcatFactAttribute : FactAttribute
{
    public RealXcatFactAttribute()
    {
        if (RealXcat.Tarball is null) Skip = RealXcat.MissingReason;
    }
}
