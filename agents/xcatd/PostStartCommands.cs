using System.Text;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.Xcatd;

/// <summary>
/// The seed's activate-xcatmn steps after xcatd is up (makedns -n, makedhcp -n, makedhcp -a,
/// makeconservercf), once per started xcatd: the listener they ran for is recorded in state_dir,
/// so a start that is re-run after being killed runs them if they did not complete, and a start
/// that finds xcatd running after they did does not repeat them. Stop forgets the record.
///
/// | outcome of a command         | post_start_failure=warn       | post_start_failure=fail          |
/// |------------------------------|-------------------------------|----------------------------------|
/// | exit 0                       | logged, next command          | logged, next command             |
/// | exit ≠ 0, timeout, not found | warning logged, next command  | start fails with the command's reason, not recorded (a retry runs all) |
///
/// A start killed among the commands runs them all again on re-run: at least once, never
/// skipped. xCAT's make* commands regenerate their files from the database, so a repeat is harmless.
/// </summary>
public sealed class PostStartCommands(XcatdConfig config, Log log, string? instance, IReadOnlyDictionary<string, string> agentEnvironment)
{
    public static string MarkerFile(XcatdConfig config, string instance) => Path.Combine(config.StateDir, $"{instance}.post-start");

    public OcfResult RunOnce(Deadline deadline)
    {
        if (config.PostStart.Count == 0) return OcfResult.Success;
        var daemon = new XcatdDaemon(config, log, instance);
        if (daemon.PidFileListener() is not { } listener) return OcfResult.Success;
        var marker = MarkerFile(config, instance ?? "xcatd");
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == listener.ToString())
        {
            log.Debug("post_start commands already ran for this xcatd");
            return OcfResult.Success;
        }
        var env = Environment();
        var failures = new List<string>();
        foreach (var argv in config.PostStart)
        {
            var line = string.Join(' ', argv);
            var problem = Run(argv, env, deadline);
            CrashPoint.Here($"ran {line}");
            if (problem is null) continue;
            var reason = $"post_start command '{line}' {problem}";
            if (config.PostStartMustSucceed) return OcfResult.Fail(OcfExit.Generic, reason);
            log.Warn(reason + " (post_start_failure=warn: xcatd stays up)");
            failures.Add(line);
        }
        StateDirectory.WriteRecord(marker, listener.ToString());
        log.Info($"post_start: {config.PostStart.Count - failures.Count} of {config.PostStart.Count} commands succeeded");
        return OcfResult.Success;
    }

    /// <summary>Null on success, else what went wrong (exit status, timeout, not found) with the last output line.</summary>
    private string? Run(string[] argv, Dictionary<string, string> env, Deadline deadline)
    {
        var program = PathText.Find(argv[0], env["PATH"]);
        if (program is null) return $"was not found in {env["PATH"]}";
        var limit = config.PostStartTimeout < deadline.Remaining ? config.PostStartTimeout : deadline.Remaining;
        log.Info($"post_start: running {string.Join(' ', argv)} ({program}, at most {limit.TotalSeconds:0} s)");
        ProcessResult r;
        try { r = ProcessRunner.Run(new ProcessSpec([program, .. argv[1..]]) { Environment = env }, Deadline.After(limit)); }
        catch (System.ComponentModel.Win32Exception e) { return $"could not be run: {e.Message}"; }
        var output = (r.Stdout + "\n" + r.Stderr).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        foreach (var l in output.TakeLast(20)) log.Info($"post_start: {argv[0]}: {l}");
        if (r.Succeeded) return null;
        var last = output.LastOrDefault() ?? "(no output)";
        return r.TimedOut ? $"timed out after {limit.TotalSeconds:0} s: {last}" : $"failed (exit {r.ExitCode}): {last}";
    }

    /// <summary>
    /// xCAT commands find their client credentials under $HOME/.xcat, and HOME is unset under
    /// Pacemaker: it is taken from client_cert when that lies in a .xcat directory (the default
    /// /root/.xcat/client-cred.pem gives /root), so the commands use the same credentials as the
    /// depth-10 check.
    /// </summary>
    private Dictionary<string, string> Environment()
    {
        var path = agentEnvironment.TryGetValue("PATH", out var p) && p.Length > 0 ? p : "/usr/sbin:/usr/bin:/sbin:/bin";
        var certDir = Path.GetDirectoryName(config.Target.CertFile);
        var home = Path.GetFileName(certDir) == ".xcat" ? Path.GetDirectoryName(certDir)!
            : agentEnvironment.TryGetValue("HOME", out var h) && h.Length > 0 ? h : "/root";
        return new Dictionary<string, string>
        {
            ["PATH"] = $"{config.XcatRoot}/sbin:{config.XcatRoot}/bin:{path}",
            ["XCATROOT"] = config.XcatRoot,
            ["HOME"] = home,
        };
    }
}
