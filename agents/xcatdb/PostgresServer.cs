using System.Globalization;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// PostgreSQL run directly (not through pg_ctl, which hands -o to a shell). postmaster.pid: line
/// 1 the pid, line 8 the status ("ready" once it accepts connections).
///
/// Stop escalates the way pg_ctl's modes do, by signal to the postmaster:
/// | step      | signal  | waits for                              | share of the stop time left |
/// |-----------|---------|----------------------------------------|-----------------------------|
/// | smart     | SIGTERM | clients to leave                       | 1/4                         |
/// | fast      | SIGINT  | transactions rolled back               | 1/2                         |
/// | immediate | SIGQUIT | nothing (crash recovery at next start) | all                         |
/// </summary>
public sealed class PostgresServer(XcatDbConfig config, Log log, string instance) : DirectServer(config, log, instance)
{
    protected override string EngineName => "PostgreSQL";
    protected override string ServerName => "postgres";
    protected override string[] ProcessNames => ["postgres", "postmaster"];
    protected override string PidFile => Path.Combine(DataDir, "postmaster.pid");
    protected override string DataDirMarker => "PG_VERSION";

    /// <summary>The newest /usr/lib/postgresql/*/bin (Debian), then /usr/pgsql-*/bin (RHEL).</summary>
    protected override string? DefaultBinDir()
    {
        IEnumerable<string> Candidates(string root, string pattern) =>
            Directory.Exists(root) ? Directory.GetDirectories(root, pattern).Select(d => Path.Combine(d, "bin")) : [];
        return Candidates("/usr/lib/postgresql", "*").Concat(Candidates("/usr", "pgsql-*"))
            .Where(d => File.Exists(Path.Combine(d, "postgres")))
            .OrderByDescending(d => double.TryParse(new string(Path.GetFileName(Path.GetDirectoryName(d)!).Where(c => char.IsDigit(c) || c == '.').ToArray()),
                NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .FirstOrDefault();
    }

    protected override IReadOnlyList<string> ServerArgv(string binDir) =>
    [
        Path.Combine(binDir, "postgres"), "-D", DataDir,
        "-c", $"port={Config.Port}", "-c", $"listen_addresses={Config.ListenAddresses}",
        "-c", $"unix_socket_directories={Config.SocketDir}",
        .. Config.ServerSettings.SelectMany(x => new[] { "-c", x }),
    ];

    protected override OcfResult Ready(int pid, IReadOnlyList<string> lines, Deadline deadline)
    {
        var status = lines.Count >= 8 ? lines[7].Trim() : "starting";
        if (status != "ready") return OcfResult.Fail(OcfExit.Generic, $"PostgreSQL (pid {pid}) is {status}, not ready");
        var creds = Config.Credentials();
        var answer = PostgresProbe.Ask("127.0.0.1", Config.Port, creds?.User ?? Config.RunAs, creds?.Database ?? "postgres", deadline);
        return answer.Accepts ? OcfResult.Success
            : OcfResult.Fail(OcfExit.Generic, $"PostgreSQL (pid {pid}) does not accept connections on 127.0.0.1:{Config.Port}: {answer.Message}");
    }

    protected override IReadOnlyList<(string Name, Action<int> Act, int Share)> StopSteps() =>
    [
        ("smart shutdown (SIGTERM)", pid => Signal.Send(pid, Signal.SIGTERM), 4),
        ("fast shutdown (SIGINT)", pid => Signal.Send(pid, Signal.SIGINT), 2),
        ("immediate shutdown (SIGQUIT)", pid => Signal.Send(pid, Signal.SIGQUIT), 1),
    ];

    /// <summary>
    /// The postmaster also locks its Unix socket (socket_dir/.s.PGSQL.PORT.lock, first line its
    /// pid). After a SIGKILL that lock outlives it like postmaster.pid does, and a zombie pid in it
    /// makes postgres refuse to start; removed only when that pid is gone or a zombie.
    /// </summary>
    protected override void RemoveStaleLocks()
    {
        var lockFile = Path.Combine(Config.SocketDir, $".s.PGSQL.{Config.Port}.lock");
        string? first;
        try { first = File.ReadLines(lockFile).FirstOrDefault(); }
        catch (IOException) { return; }
        if (!int.TryParse(first?.Trim(), out var pid) || ProcessAlive(pid)) return;
        AtomicFs.Unlink(lockFile);
        var socket = Path.Combine(Config.SocketDir, $".s.PGSQL.{Config.Port}");
        if (File.Exists(socket)) AtomicFs.Unlink(socket);
        Log.Info($"removed stale {lockFile} (pid {pid} is gone)");
    }

    /// <summary>xCAT's query with cfgloc's credentials, through psql and a 0600 PGPASSFILE.</summary>
    protected override OcfResult HealthQuery(Deadline deadline)
    {
        if (Config.Credentials() is not { } creds)
            return OcfResult.Fail(OcfExit.NotConfigured, $"depth 10 needs the credentials in {Config.CfglocPath}, which does not name PostgreSQL");
        var (host, port, db) = (creds.Host ?? "127.0.0.1", creds.Port ?? Config.Port, creds.Database!);
        // .pgpass: host:port:database:user:password, ':' and '\' escaped with '\'.
        byte[] special = [(byte)':', (byte)'\\'];
        var passfile = Concat(Escape(Utf8(host), special), Utf8($":{Str(port)}:"), Escape(Utf8(db), special), Utf8(":"),
            Escape(Utf8(creds.User), special), Utf8(":"), Escape(creds.Password, special), Utf8("\n"));
        ProcessResult r;
        try
        {
            r = WithSecretFile(passfile, file => new ProcessSpec([Path.Combine(BinDir ?? "/usr/bin", "psql"), "-X", "-A", "-t", "-q", "-w",
                "-v", "ON_ERROR_STOP=1", "-h", host, "-p", Str(port), "-U", creds.User, "-d", db,
                "-c", "SELECT value FROM site WHERE \"key\" = 'xcatdport'"])
            {
                Environment = new Dictionary<string, string>
                {
                    ["PGPASSFILE"] = file, ["PGCONNECT_TIMEOUT"] = Str(Math.Max(2, (int)deadline.Remaining.TotalSeconds)),
                    ["LANG"] = "C", ["PGAPPNAME"] = "ocf-xcatdb",
                },
            }, deadline);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return OcfResult.Fail(OcfExit.NotInstalled, $"psql not found in {BinDir}; the depth-10 check needs it");
        }
        var err = r.Stderr.Trim().Split('\n').FirstOrDefault(l => l.Length > 0) ?? "";
        if (r.Succeeded && r.Stdout.Trim().Length > 0) return OcfResult.Success;
        if (r.Succeeded) return OcfResult.Fail(OcfExit.Generic, $"the site table of {db} has no xcatdport row");
        if (err.Contains("relation \"site\" does not exist", StringComparison.Ordinal))
            return OcfResult.Fail(OcfExit.Generic, $"database {db} has no site table: not an xCAT database (or not initialised)");
        if (err.Contains("password authentication failed", StringComparison.Ordinal) || err.Contains("no password supplied", StringComparison.Ordinal))
            return OcfResult.Fail(OcfExit.Generic, $"PostgreSQL refuses the credentials of {Config.CfglocPath} for user {creds.User}: {err}");
        return OcfResult.Fail(OcfExit.Generic, $"health query on {host}:{port}/{db} failed: {(r.TimedOut ? "timed out" : err)}");
    }
}
