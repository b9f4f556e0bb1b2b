using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// MariaDB (or MySQL) run directly: mariadbd with its datadir, socket, port, bind address and a
/// pid file of ours in the data directory; `--no-defaults` unless defaults_file names a my.cnf
/// (then it comes first, as the server requires).
///
/// Stop escalates:
/// | step            | how                                             | share of the stop time left |
/// |-----------------|-------------------------------------------------|-----------------------------|
/// | clean shutdown  | SHUTDOWN through mariadb-admin on the socket (root by unix_socket auth) | 1/3  |
/// | TERM            | SIGTERM (the server shuts down cleanly too, unless it hangs) | 1/2              |
/// | KILL            | SIGKILL (InnoDB recovers at the next start)     | all                         |
/// </summary>
public sealed class MariaDbServer(XcatDbConfig config, Log log, string instance) : DirectServer(config, log, instance)
{
    protected override string EngineName => "MariaDB";
    protected override string ServerName => File.Exists(Path.Combine(BinDir ?? "/usr/sbin", "mariadbd")) ? "mariadbd" : "mysqld";
    protected override string[] ProcessNames => ["mariadbd", "mysqld"];
    protected override string PidFile => Path.Combine(DataDir, "xcatdb-mariadbd.pid");
    protected override string DataDirMarker => "mysql";
    private string Socket => Path.Combine(Config.SocketDir, "mysqld.sock");

    protected override string? DefaultBinDir() =>
        new[] { "/usr/sbin", "/usr/libexec", "/usr/bin" }.FirstOrDefault(d => File.Exists(Path.Combine(d, "mariadbd")) || File.Exists(Path.Combine(d, "mysqld")));

    protected override IReadOnlyList<string> ServerArgv(string binDir) =>
    [
        Path.Combine(binDir, ServerName),
        Config.DefaultsFile is { } cnf ? $"--defaults-file={cnf}" : "--no-defaults",
        $"--datadir={DataDir}", $"--socket={Socket}", $"--port={Str(Config.Port)}",
        $"--bind-address={Config.ListenAddresses}", $"--pid-file={PidFile}",
        .. Config.ServerSettings.Select(x => "--" + x),
    ];

    protected override OcfResult Ready(int pid, IReadOnlyList<string> lines, Deadline deadline)
    {
        var answer = MysqlProbe.Ask(Socket, deadline);
        return answer.Accepts ? OcfResult.Success
            : OcfResult.Fail(OcfExit.Generic, $"MariaDB (pid {pid}) does not accept connections on {Socket}: {answer.Message}");
    }

    protected override IReadOnlyList<(string Name, Action<int> Act, int Share)> StopSteps() =>
    [
        ("clean shutdown (mariadb-admin shutdown)", _ => AdminShutdown(), 3),
        ("SIGTERM", pid => Signal.Send(pid, Signal.SIGTERM), 2),
        ("SIGKILL", pid => Signal.Send(pid, Signal.SIGKILL), 1),
    ];

    private void AdminShutdown()
    {
        foreach (var admin in new[] { "mariadb-admin", "mysqladmin" })
        {
            try
            {
                var r = ProcessRunner.Run(new ProcessSpec([admin, "--no-defaults", $"--socket={Socket}", "--user=root", "--connect-timeout=2", "shutdown"]),
                    Deadline.After(TimeSpan.FromSeconds(3)));
                if (!r.Succeeded) Log.Info($"{admin} shutdown failed ({r.Stderr.Trim().Split('\n')[0]}); going on with SIGTERM");
                return;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        Log.Info("no mariadb-admin or mysqladmin; going on with SIGTERM");
    }

    /// <summary>xCAT's query with cfgloc's credentials, through the client and a 0600 --defaults-extra-file.</summary>
    protected override OcfResult HealthQuery(Deadline deadline)
    {
        if (Config.Credentials() is not { } creds)
            return OcfResult.Fail(OcfExit.NotConfigured, $"depth 10 needs the credentials in {Config.CfglocPath}, which does not name mysql");
        var (host, port, db) = (creds.Host ?? "127.0.0.1", creds.Port ?? Config.Port, creds.Database!);
        // Option file values in double quotes: '\' and '"' escaped with '\'.
        byte[] special = [(byte)'\\', (byte)'"'];
        var options = Concat(Utf8("[client]\nuser=\""), Escape(Utf8(creds.User), special), Utf8("\"\npassword=\""), Escape(creds.Password, special), Utf8("\"\n"));
        ProcessResult? r = null;
        foreach (var client in new[] { "mariadb", "mysql" })
        {
            try
            {
                r = WithSecretFile(options.ToArray(), file => new ProcessSpec([client, $"--defaults-extra-file={file}", "--batch", "--skip-column-names",
                    $"--connect-timeout={Str(Math.Max(2, (int)deadline.Remaining.TotalSeconds))}", "-h", host, $"--port={Str(port)}", "-D", db,
                    "-e", "SELECT value FROM site WHERE `key` = 'xcatdport'"]) { Environment = new Dictionary<string, string> { ["LANG"] = "C" } }, deadline);
                break;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        Array.Clear(options);
        if (r is null) return OcfResult.Fail(OcfExit.NotInstalled, "neither mariadb nor mysql (the client) is installed; the depth-10 check needs it");
        // The client may frame a failed statement in "-----" lines; the ERROR line is the answer.
        var lines = r.Stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("---", StringComparison.Ordinal)).ToList();
        var err = lines.FirstOrDefault(l => l.StartsWith("ERROR", StringComparison.Ordinal)) ?? lines.FirstOrDefault() ?? "";
        if (r.Succeeded && r.Stdout.Trim().Length > 0) return OcfResult.Success;
        if (r.Succeeded) return OcfResult.Fail(OcfExit.Generic, $"the site table of {db} has no xcatdport row");
        if (err.Contains("ERROR 1146", StringComparison.Ordinal))
            return OcfResult.Fail(OcfExit.Generic, $"database {db} has no site table: not an xCAT database (or not initialised)");
        if (err.Contains("ERROR 1045", StringComparison.Ordinal))
            return OcfResult.Fail(OcfExit.Generic, $"MariaDB refuses the credentials of {Config.CfglocPath} for user {creds.User}: {err}");
        return OcfResult.Fail(OcfExit.Generic, $"health query on {host}:{port}/{db} failed: {(r.TimedOut ? "timed out" : err)}");
    }
}
