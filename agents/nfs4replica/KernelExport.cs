using System.Text;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>
/// The kernel NFS server through exportfs(8). The export is (real path, client spec, options):
/// start runs `exportfs -o OPTIONS CLIENT:PATH` and verifies; monitor finds
/// the line for our path and client in exportfs's table (etab) and requires every option we
/// asked for (exportfs adds its defaults, which are fine); stop runs `exportfs -u CLIENT:PATH`, verifies, optionally waits
/// the NFSv4 lease, and flushes the kernel's export cache (`exportfs -f`).
///
/// etab survives a reboot (and fencing): alone it would make a probe report "running" while no
/// nfsd serves anything (resource-agents' exportfs had that bug). So an export counts only when
/// this boot's start recorded it (state_dir is on tmpfs) and the kernel NFS server runs:
///
/// | start record (this boot) | etab has our path+client | with all our options | nfsd threads | monitor |
/// |--------------------------|--------------------------|----------------------|--------------|---------|
/// | no                       | any (a stale etab line is only logged) | –      | –            | 7       |
/// | yes                      | no                       | –                    | –            | 7       |
/// | yes                      | yes                      | no                   | –            | 1 drift: names what is missing |
/// | yes                      | yes                      | yes                  | 0 / no nfsd  | 1 nothing is served; stop unexports |
/// | yes                      | yes                      | yes                  | > 0          | 0       |
///
/// nfsd's threads are read from /proc/fs/nfsd/threads (the nfsd file system that rpc.nfsd
/// writes its thread count to). The kernel's own export cache (/proc/net/rpc/nfsd.export) is
/// filled on demand, when a client first asks mountd: it cannot show an export nobody used yet,
/// so etab, which mountd answers from, stays the table of record.
/// </summary>
public sealed class KernelExport(Nfs4ReplicaConfig config, Log log, string instance) : IExport
{
    private string RecordFile => Path.Combine(config.StateDir, $"{instance}.path");
    /// <summary>Written by migrate_to: the refer= locations the stop that follows hands clients over to.</summary>
    private string HandoverFile => Path.Combine(config.StateDir, $"{instance}.handover");

    private static readonly Dictionary<string, string> Opposite = new()
    {
        ["ro"] = "rw", ["rw"] = "ro", ["sync"] = "async", ["async"] = "sync", ["secure"] = "insecure", ["insecure"] = "secure",
        ["hide"] = "nohide", ["nohide"] = "hide", ["crossmnt"] = "nocrossmnt", ["nocrossmnt"] = "crossmnt",
    };

    /// <summary>The path exported: the real directory now, or the one recorded at start when it has gone.</summary>
    private string? ExportedPath()
    {
        if (PathText.Real(config.Directory) is { } real) return real;
        return StateDirectory.ReadRecord(RecordFile);
    }

    /// <summary>Our options for the export; with <paramref name="refer"/>, the referral of a handover instead of the replicas (exportfs keeps only one of them).</summary>
    private IReadOnlyList<string> Wanted(string path, string? refer = null) =>
    [
        .. config.Options,
        .. config.Fsid is { } f ? new[] { $"fsid={f}" } : [],
        .. refer is not null ? new[] { $"refer={refer}" }
            : config.Replicas.Count > 0 ? new[] { $"replicas={ReplicaList.Option(config.Advertised(), path)}" } : [],
    ];

    private static bool Has(IReadOnlyList<string> actual, string want)
    {
        if (want.Contains('='))
        {
            var key = want[..(want.IndexOf('=') + 1)];
            return actual.LastOrDefault(a => a.StartsWith(key, StringComparison.Ordinal)) == want;
        }
        var opposite = Opposite.TryGetValue(want, out var o) ? o : want.StartsWith("no_", StringComparison.Ordinal) ? want[3..] : "no_" + want;
        return actual.Contains(want) && !actual.Contains(opposite);
    }

    /// <summary>
    /// The export table exportfs keeps, /var/lib/nfs/etab (what `exportfs -s` prints from): one
    /// line per (path, client), "PATH&lt;TAB&gt;CLIENT(OPT,OPT,…)" with every option spelled out,
    /// white space in PATH as octal escapes (\040). Read directly: no process to start on a
    /// monitor that runs every few seconds. A missing etab is an empty table (nothing exported).
    /// </summary>
    private static (List<(string Path, string Client, string[] Options)>? Table, string? Error) Table()
    {
        string[] lines;
        try { lines = File.ReadAllLines(Etab); }
        catch (FileNotFoundException) { return ([], null); }
        catch (DirectoryNotFoundException) { return ([], null); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (null, $"cannot read {Etab}: {ErrorText.Describe(e)}"); }
        var table = new List<(string, string, string[])>();
        foreach (var line in lines)
        {
            var open = line.LastIndexOf('(');
            var gap = open < 0 ? -1 : line.LastIndexOfAny([' ', '\t'], open);
            if (open < 0 || gap < 0 || !line.EndsWith(')')) continue;
            table.Add((Unescape(line[..gap].TrimEnd()), line[(gap + 1)..open], line[(open + 1)..^1].Split(',')));
        }
        return (table, null);
    }

    private const string Etab = "/var/lib/nfs/etab";

    private static string Unescape(string path)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '\\' && i + 3 < path.Length && path.Substring(i + 1, 3).All(c => c is >= '0' and <= '7'))
            {
                sb.Append((char)Convert.ToInt32(path.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(path[i]);
        }
        return sb.ToString();
    }

    private static string LastLine(ProcessResult r) =>
        (r.Stderr + "\n" + r.Stdout).Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? $"exit {r.ExitCode}";

    private string? Recorded()
    {
        return StateDirectory.ReadRecord(RecordFile);
    }

    private const string NfsdThreads = "/proc/fs/nfsd/threads";

    /// <summary>Null when the kernel NFS server runs threads; otherwise why nothing is served.</summary>
    private static string? NfsdDown()
    {
        string text;
        try { text = File.ReadAllText(NfsdThreads).Trim(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"the kernel NFS server is not running ({NfsdThreads} does not exist: nfsd not loaded, or /proc/fs/nfsd not mounted)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read {NfsdThreads}: {ErrorText.Describe(e)}";
        }
        return int.TryParse(text, out var n) && n > 0 ? null : $"the kernel NFS server runs no threads ({NfsdThreads} says {ErrorText.Printable(text)}; start nfs-server)";
    }

    public OcfResult Monitor(Deadline deadline)
    {
        var (table, error) = Table();
        if (table is null) return OcfResult.Fail(OcfExit.Generic, error!);
        if (Recorded() is not { } recorded)
        {
            if (PathText.Real(config.Directory) is { } real && table.Any(e => e.Path == real && e.Client == config.ClientSpec))
                log.Info($"{Etab} lists {real} for {config.ClientSpec}, but no start of this boot recorded it ({RecordFile}): a line left from before a reboot or from another exporter; not ours");
            return OcfResult.NotRunning;
        }
        var path = PathText.Real(config.Directory) ?? recorded;
        var entry = table.FirstOrDefault(e => e.Path == path && e.Client == config.ClientSpec);
        if (entry.Path is null) return OcfResult.NotRunning;
        var missing = Wanted(path).Where(w => !Has(entry.Options, w)).ToList();
        if (missing.Count > 0)
            return OcfResult.Fail(OcfExit.Generic, $"export {path} to {config.ClientSpec} lacks {string.Join(",", missing)} " +
                $"(has {string.Join(",", entry.Options)}): changed by hand or another exporter; start restores ours");
        if (PathText.Real(config.Directory) is null)
            return OcfResult.Fail(OcfExit.Generic, $"{config.Directory} has gone while {path} is still exported; stop will unexport it");
        if (NfsdDown() is { } why)
            return OcfResult.Fail(OcfExit.Generic, $"{path} is in the export table but {why}");
        return OcfResult.Success;
    }

    public OcfResult Preflight()
    {
        if (!Directory.Exists(config.Directory))
            return OcfResult.Fail(OcfExit.NotInstalled, $"directory {config.Directory} does not exist on this node (5: Pacemaker keeps the export off this node only; is the storage mounted?)");
        if (!PathText.OnPath("exportfs"))
            return OcfResult.Fail(OcfExit.NotInstalled, "exportfs is not installed (Debian: nfs-kernel-server; RHEL: nfs-utils)");
        return OcfResult.Success;
    }

    public OcfResult Export(Deadline deadline)
    {
        var path = PathText.Real(config.Directory)!;
        StateDirectory.ForgetRecord(HandoverFile);
        StateDirectory.WriteRecord(RecordFile, path);
        CrashPoint.Here("recorded the path");
        var options = string.Join(',', Wanted(path));
        var r = ProcessRunner.Run(new ProcessSpec(["exportfs", "-o", options, $"{config.ClientSpec}:{path}"]), deadline);
        CrashPoint.Here("exported");
        // exportfs exits 1 when it cannot reach a kernel nfsd although it did update the export
        // table; the table, read back, decides.
        var check = Monitor(deadline);
        if (check.IsSuccess)
        {
            if (!r.Succeeded) log.Warn($"exportfs exited {r.ExitCode} ({LastLine(r)}), but {path} is exported with our options");
            log.Info($"exported {path} to {config.ClientSpec} ({options})");
            return OcfResult.Success;
        }
        return OcfResult.Fail(OcfExit.Generic, r.Succeeded ? check.Reason ?? $"{path} is not exported after exportfs" : $"exportfs -o {options} {config.ClientSpec}:{path} failed (exit {r.ExitCode}): {LastLine(r)}");
    }

    public bool HandoverPending => StateDirectory.ReadRecord(HandoverFile) is not null;

    public void RecordHandover()
    {
        var path = ExportedPath()!;
        var refer = ReplicaList.Option(config.Partners(), path);
        StateDirectory.WriteRecord(HandoverFile, refer);
        log.Info($"handover recorded: {path} serves until the partner does; the stop after migrate_from refers clients to {refer}");
    }

    /// <summary>How long no client may have talked to this server before the referral ends: several of a reader's requests, and more than the one-second steps the kernel counts in.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The end of a handover: the export becomes a referral (refer= instead of replicas=; exportfs
    /// keeps only one of them), so every request a client makes on it is answered NFS4ERR_MOVED
    /// with the partner's location, and an NFSv4.1+ client moves there: it opens a session on the
    /// partner, destroys its session here and asks to destroy its client ID here too. The server
    /// refuses that (NFS4ERR_CLIENTID_BUSY) while the client still holds opens or delegations
    /// here, and the client retries for about ten seconds before it reads again — so a client
    /// that has destroyed its session here (its back channel, up when the referral began, is
    /// down) is expired: its state here serves nobody. The referral stays until no client has
    /// spoken to this server for a while (the moved ones are gone; one that only renews its lease
    /// has not touched the export) or handover_wait, and is unexported then.
    /// </summary>
    public OcfResult ReferAndUnexport(Deadline deadline)
    {
        if (ExportedPath() is { } path && StateDirectory.ReadRecord(HandoverFile) is { } refer)
        {
            var before = NfsdClients.List() ?? [];
            var speaking = before.Where(c => c.MinorVersion >= 1 && c.CallbackState == "UP").Select(c => c.Directory).ToHashSet();
            foreach (var c in before.Where(c => c.MinorVersion == 0))
                log.Warn($"client {c.Address} mounts with NFSv4.0, whose Linux client does not follow a referral (its reads hang): mount with vers=4.1 or later");
            var options = string.Join(',', Wanted(path, refer));
            var r = ProcessRunner.Run(new ProcessSpec(["exportfs", "-o", options, $"{config.ClientSpec}:{path}"]), deadline);
            CrashPoint.Here("referred");
            var (table, _) = Table();
            if (table?.FirstOrDefault(e => e.Path == path && e.Client == config.ClientSpec) is not { Path: not null } entry || !entry.Options.Contains($"refer={refer}"))
                return OcfResult.Fail(OcfExit.Generic, $"{path} could not become a referral to {refer} (exportfs exit {r.ExitCode}: {LastLine(r)})");
            log.Info($"{path} refers clients to {refer}");
            var referred = System.Diagnostics.Stopwatch.StartNew();
            var bound = Deadline.After(Min(config.HandoverWait, deadline.Remaining - TimeSpan.FromSeconds(2)));
            var moved = 0;
            TimeSpan? quiet = null;
            while (!bound.Expired)
            {
                var clients = NfsdClients.List();
                foreach (var c in clients ?? [])
                    if (c.CallbackState == "DOWN" && speaking.Remove(c.Directory) && NfsdClients.Expire(c))
                    {
                        moved++;
                        log.Info($"client {c.Address} has moved to {refer} (its session here is gone); its state here is expired");
                    }
                quiet = clients is null || clients.Any(c => c.SinceRenew is null) ? null
                    : clients.Select(c => c.SinceRenew!.Value).DefaultIfEmpty(TimeSpan.MaxValue).Min();
                if (quiet >= Quiet && referred.Elapsed >= Quiet) break;
                Thread.Sleep(TimeSpan.FromMilliseconds(200));
            }
            log.Info(quiet switch
            {
                null => $"this kernel does not say when its NFSv4 clients last spoke ({NfsdClients.Root}); referred for {referred.Elapsed.TotalSeconds:0} s",
                { } q when q >= Quiet => $"{moved} client(s) moved; no NFSv4 client has spoken to this server since: unexporting the referral",
                _ => $"{moved} client(s) moved; others still speak to this server after handover_wait (clients of other exports, or only renewing their lease): unexporting",
            });
        }
        var done = Unexport(deadline);
        if (done.IsSuccess) StateDirectory.ForgetRecord(HandoverFile);
        return done;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public OcfResult Unexport(Deadline deadline)
    {
        if (ExportedPath() is { } path)
        {
            var (table, error) = Table();
            if (table is null) return OcfResult.Fail(OcfExit.Generic, error!);
            if (table.Any(e => e.Path == path && e.Client == config.ClientSpec))
            {
                var r = ProcessRunner.Run(new ProcessSpec(["exportfs", "-u", $"{config.ClientSpec}:{path}"]), deadline);
                CrashPoint.Here("unexported");
                var (after, _) = Table();
                if (after is null || after.Any(e => e.Path == path && e.Client == config.ClientSpec))
                    return OcfResult.Fail(OcfExit.Generic, $"{path} is still exported to {config.ClientSpec} after exportfs -u (exit {r.ExitCode}: {LastLine(r)})");
                log.Info($"unexported {path} from {config.ClientSpec}");
                if (config.LeaseWait > TimeSpan.Zero)
                {
                    // The NFSv4 lease: clients notice the export is gone and move to a replica
                    // before the storage under it is taken away.
                    var wait = config.LeaseWait < deadline.Remaining - TimeSpan.FromSeconds(1) ? config.LeaseWait : deadline.Remaining - TimeSpan.FromSeconds(1);
                    if (wait > TimeSpan.Zero)
                    {
                        log.Info($"waiting {wait.TotalSeconds:0} s (lease_wait) for clients to move to a replica");
                        Thread.Sleep(wait);
                    }
                }
                var flush = ProcessRunner.Run(new ProcessSpec(["exportfs", "-f"]), deadline);
                if (!flush.Succeeded) log.Debug($"exportfs -f: {LastLine(flush)}");
            }
        }
        StateDirectory.ForgetRecord(RecordFile);
        return OcfResult.Success;
    }
}
