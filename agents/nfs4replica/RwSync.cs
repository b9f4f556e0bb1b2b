using System.Globalization;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>The read-write paths pushed to the partner, and how to reach it.</summary>
public sealed record SyncSettings(
    IReadOnlyList<string> Paths, string Partner, string User, string Key, string KnownHosts, int Port,
    string RemotePrefix, bool Delete);

/// <summary>
/// Pushes the read-write paths (statelite persistent files, paging) to the partner service node
/// with rsync over OpenSSH: key authentication only (BatchMode, no password prompt), the
/// partner's host key checked against known_hosts, nothing deleted on the partner unless
/// sync_delete. Runs on migrate_to (the final sync of a planned handover: a failure fails the
/// migration, so Pacemaker falls back to stop/start) and on stop (best effort: an unreachable
/// partner is logged, the stop goes on).
///
/// rsync -a [--delete] --stats -e "ssh -i KEY -p PORT -o …" PATH/ USER@PARTNER:PREFIX+PATH/
/// (rsync splits -e at spaces itself, without a shell; the key and known_hosts paths are
/// therefore refused when they contain white space.)
/// </summary>
public sealed class RwSync(SyncSettings sync, Log log)
{
    public OcfResult Push(Deadline deadline, string why)
    {
        var total = 0L;
        var files = 0L;
        foreach (var path in sync.Paths)
        {
            if (!Directory.Exists(path))
            {
                log.Warn($"sync: {path} does not exist here; skipped");
                continue;
            }
            var connect = Math.Max(1, Math.Min(10, (int)deadline.Remaining.TotalSeconds / 2));
            var ssh = $"ssh -i {sync.Key} -p {sync.Port.ToString(CultureInfo.InvariantCulture)} -o BatchMode=yes -o PasswordAuthentication=no " +
                      $"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={sync.KnownHosts} -o ConnectTimeout={connect.ToString(CultureInfo.InvariantCulture)}";
            var target = $"{sync.User}@{sync.Partner}:{sync.RemotePrefix}{path.TrimEnd('/')}/";
            string[] argv = ["rsync", "-a", .. sync.Delete ? new[] { "--delete" } : [], "--stats", "-e", ssh, path.TrimEnd('/') + "/", target];
            ProcessResult r;
            try { r = ProcessRunner.Run(new ProcessSpec(argv), deadline); }
            catch (System.ComponentModel.Win32Exception e) { return OcfResult.Fail(OcfExit.NotInstalled, $"rsync is not installed: {e.Message}"); }
            if (!r.Succeeded)
            {
                var last = (r.Stderr + "\n" + r.Stdout).Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
                return OcfResult.Fail(OcfExit.Generic, r.TimedOut
                    ? $"sync of {path} to {sync.Partner} ({why}) did not finish before the deadline"
                    : $"sync of {path} to {sync.Partner} ({why}) failed (rsync exit {r.ExitCode}): {last}");
            }
            var (n, bytes) = Stats(r.Stdout);
            files += n;
            total += bytes;
            log.Info($"sync ({why}): {path} → {target}: {n} files transferred, {bytes} bytes");
        }
        log.Info($"sync ({why}) to {sync.Partner} done: {files} files, {total} bytes in {sync.Paths.Count} paths{(sync.Delete ? " (deleting extraneous files there)" : "")}");
        return OcfResult.Success;
    }

    // rsync --stats: "Number of regular files transferred: N" and "Total transferred file size: N bytes" (digits may have commas).
    private static (long Files, long Bytes) Stats(string output)
    {
        long Field(string label)
        {
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(label, StringComparison.Ordinal));
            var digits = line is null ? "" : new string(line[label.Length..].TakeWhile(c => c != 'b').Where(char.IsAsciiDigit).ToArray());
            return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        }
        return (Field("Number of regular files transferred:"), Field("Total transferred file size:"));
    }
}
