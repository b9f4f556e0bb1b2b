using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.XcatDb;

/// <summary>
/// SQLite has no server: xCAT opens one file per table in /etc/xcat. "Running" here means this
/// node activated the tables (a state file in state_dir, on tmpfs) and they are readable where
/// they must be — on the shared storage.
///
/// | monitor finds                                          | answer |
/// |--------------------------------------------------------|--------|
/// | no activation record                                   | 7      |
/// | record, site.sqlite missing or off the shared storage  | 1      |
/// | record, site.sqlite readable (depth 10: quick_check ok and site.xcatdport set) | 0 |
/// </summary>
public sealed class SqliteTables(XcatDbConfig config, Log log, string instance) : IDatabase
{
    private string Site => Path.Combine(config.SqliteDir, "site.sqlite");
    private string Record => Path.Combine(config.StateDir, $"{instance}.sqlite-active");

    public OcfResult Monitor(int level, Deadline deadline)
    {
        if (!File.Exists(Record)) return OcfResult.NotRunning;
        if (Preflight() is { IsSuccess: false } bad) return bad with { Code = OcfExit.Generic };
        if (level < 10) return OcfResult.Success;
        // What PostgreSQL and MariaDB get at depth 10 too: xCAT's own question of its database,
        // the xcatdport row of the site table — after PRAGMA quick_check, which reads every page
        // ("ok" is its only healthy answer). A file without a site table is not xCAT's.
        ProcessResult check;
        try
        {
            check = ProcessRunner.Run(new ProcessSpec(["sqlite3", "-readonly", "-batch", "-bail", Site,
                "PRAGMA quick_check; SELECT value FROM site WHERE \"key\" = 'xcatdport';"]), deadline);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return OcfResult.Fail(OcfExit.NotInstalled, "sqlite3 is not installed (needed for the depth-10 check)");
        }
        var lines = check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        var error = check.Stderr.Trim().Split('\n')[0];
        if (error.Contains("no such table: site", StringComparison.Ordinal))
            return OcfResult.Fail(OcfExit.Generic, $"{Site} has no site table: not xCAT's site table (or not initialised)");
        if (lines.FirstOrDefault() is not "ok")
            return OcfResult.Fail(OcfExit.Generic, $"{Site} fails PRAGMA quick_check: {lines.FirstOrDefault() ?? (error.Length > 0 ? error : $"sqlite3 exit {check.ExitCode}")}");
        if (!check.Succeeded) return OcfResult.Fail(OcfExit.Generic, $"reading the site table of {Site} failed: {(error.Length > 0 ? error : $"sqlite3 exit {check.ExitCode}")}");
        if (lines.Count < 2) return OcfResult.Fail(OcfExit.Generic, $"the site table in {Site} has no xcatdport row");
        return OcfResult.Success;
    }

    public OcfResult Start(Deadline deadline)
    {
        if (Preflight() is { IsSuccess: false } bad) return bad;
        StateDirectory.WriteRecord(Record, Site);
        log.Info($"SQLite tables in {config.SqliteDir} active");
        return OcfResult.Success;
    }

    public OcfResult Stop(Deadline deadline)
    {
        StateDirectory.ForgetRecord(Record);
        log.Info($"SQLite tables in {config.SqliteDir} released");
        return OcfResult.Success;
    }

    public OcfResult Preflight()
    {
        if (!File.Exists(Site))
            return OcfResult.Fail(OcfExit.NotInstalled, $"{Site} does not exist: no xCAT SQLite tables here (is the shared storage active? start shareddata first)");
        if (config.SharedRoot is { } root)
        {
            var real = PathText.Real(Site) ?? Site;
            if (!PathText.IsWithin(real, PathText.Real(root) ?? root))
                return OcfResult.Fail(OcfExit.NotConfigured, $"SQLite tables not on shared_root {root}: {Site} resolves to {real}; link {config.SqliteDir} to the shared storage (shareddata) first");
        }
        if (AtomicFs.ReadableError(Site) is { } error) return OcfResult.Fail(OcfExit.Permission, $"{Site} is not readable: {error}");
        return OcfResult.Success;
    }
}
