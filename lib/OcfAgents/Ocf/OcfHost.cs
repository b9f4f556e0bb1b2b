using System.Globalization;
using System.Text;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Ocf;

/// <summary>Switches for running the host inside a test process instead of as an executable.</summary>
public sealed record HostOptions
{
    /// <summary>
    /// At the deadline, print the exit reason and _exit(1) from a POSIX timer (Sys/Watchdog). On for real
    /// agents; tests of the host turn it off and read the cooperative answer instead.
    /// </summary>
    public bool HardDeadline { get; init; } = true;
    public string Provider { get; init; } = "xcat";
}

/// <summary>
/// The OCF contract, once, for every agent. Invocation is `AGENT ACTION [ignored…]` with the
/// parameters in OCF_RESKEY_* (docs/ARCHITECTURE.md §2).
///
/// How a configuration that does not validate is answered, per action:
///
/// | action                | parameters invalid                                              |
/// |-----------------------|-----------------------------------------------------------------|
/// | meta-data, usage, man | never validated: always answers                                 |
/// | validate-all          | 6 (not configured) with the reason                              |
/// | start, migrate_from   | 6 with the reason                                               |
/// | stop, migrate_to      | 0 if the agent can prove nothing is active here, else 6         |
/// | monitor (probe)       | 7 if the agent can prove nothing is active here, else 6         |
/// | monitor (recurring)   | 6 with the reason                                               |
///
/// And how results are shaped around the agent's own methods:
///
/// | action  | host does                                                                    |
/// |---------|------------------------------------------------------------------------------|
/// | start   | monitor; 0 → done. start; then monitor must say 0, else 1 with its reason    |
/// | stop    | monitor; 7 → done. stop; then monitor must say 7, else 1 with its reason;    |
/// |         | either way 0 only when nothing else blocks the stop (BlocksStop)             |
/// | migrate_to | the agent's HandOver when it has one (the stop after migrate_from ends it), else as stop |
/// | migrate_from | as start                                                                |
/// | monitor | probe: 5 (not installed here) → 7, since it cannot be running on this node   |
/// | any     | an exception → 4 for permission errors, else 1; never an unhandled crash     |
/// | any     | every failure prints exactly one ocf-exit-reason line (≤ 128 characters)     |
/// | start, stop, migrate_*, reload | one at a time per resource: a lock, waited for ≤ half the deadline |
/// </summary>
public static class OcfHost
{
    public const int MaxExitReasonLength = 128;

    /// <summary>Entry point of an agent executable.</summary>
    public static int Main<TConfig>(ResourceAgent<TConfig> agent, string[] args, HostOptions? options = null)
    {
        try
        {
            // File descriptors 1 and 2 directly, not System.Console: Console's first use installs
            // terminal signal handling and starts a thread, a measurable share of every monitor.
            var stdout = new FdWriter(1, autoFlush: false);
            var stderr = new FdWriter(2, autoFlush: true);
            var code = Run(agent, args, new ProcessEnvironment(), stdout, stderr, options ?? new HostOptions());
            stdout.Flush();
            return code;
        }
        catch (Exception e)
        {
            // Last line of defence: meta-data runs as hacluster and must never abort with SIGABRT.
            try { Native.WriteRaw(2, $"ocf-exit-reason:{ErrorText.Describe(e)}\n"); } catch { }
            return (int)OcfExit.Generic;
        }
    }

    public static int Run<TConfig>(ResourceAgent<TConfig> agent, string[] args,
        IReadOnlyDictionary<string, string> env, TextWriter stdout, TextWriter stderr, HostOptions options)
    {
        var action = args.Length > 0 ? args[0] : "";
        // Answered from the declarations alone: nothing in the environment can change them, and
        // ProcessEnvironment has read nothing yet (Pacemaker runs meta-data as hacluster, bare env).
        switch (action)
        {
            case "meta-data":
                stdout.Write(MetaData.Generate(agent));
                return 0;
            case "usage" or "help" or "--help" or "-h":
                stdout.Write(ManPage.Usage(agent));
                return 0;
            case "manpage":
                stdout.Write(ManPage.Roff(agent, options.Provider));
                return 0;
        }

        var instance = Get(env, "OCF_RESOURCE_INSTANCE");
        var log = new Log(instance is null ? agent.Name : $"{agent.Name}({instance})", stderr, env);
        Tracing.Begin(agent, env, instance, action, stderr, log);
        var known = action switch
        {
            "start" or "stop" or "monitor" or "status" or "validate-all" => true,
            "migrate_to" or "migrate_from" => agent.SupportsMigration,
            "reload-agent" or "reload" => Tracing.With(agent.Parameters).Any(p => p.Reloadable),
            _ => false,
        };
        if (!known)
        {
            stderr.Write(ManPage.Usage(agent));
            return Finish(stderr, env, log, action,
                OcfResult.Fail(OcfExit.Unimplemented, action.Length == 0 ? "no action given" : $"unrecognised action '{action}'"));
        }

        var deadline = Deadline.After(TimeoutFor(agent, action, env));
        if (options.HardDeadline) ArmWatchdog(deadline, env, action);

        var interval = ParseLong(Get(env, "OCF_RESKEY_CRM_meta_interval")) ?? 0;
        var levelText = Get(env, "OCF_CHECK_LEVEL");
        var level = ParseLong(levelText) is { } l && l >= 0 ? (int)l : 0;
        if (levelText is not null && ParseLong(levelText) is null) log.Warn($"OCF_CHECK_LEVEL '{levelText}' is not a number; using 0");

        var values = ParameterValues.Bind(Tracing.With(agent.Parameters), env);
        var ctx = new OcfContext
        {
            Action = action,
            Environment = env,
            Log = log,
            Deadline = deadline,
            Values = values,
            CheckLevel = level,
            IsProbe = action is "monitor" or "status" && interval == 0,
            MigrateSource = Get(env, "OCF_RESKEY_CRM_meta_migrate_source"),
            MigrateTarget = Get(env, "OCF_RESKEY_CRM_meta_migrate_target"),
            Instance = instance,
        };

        OcfResult result;
        ResourceLock? held = null;
        try
        {
            if (Changes(action))
            {
                var path = ResourceLock.PathFor(Get(env, "HA_RSCTMP") ?? "/run/resource-agents", agent.Name, instance);
                var locked = true;
                try
                {
                    // At most half the budget: what is left is the action's own.
                    held = ResourceLock.Acquire(path, Deadline.After(deadline.Remaining / 2),
                        () => log.Info($"{action}: another action on this resource is running; waiting for it (lock {path})"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or SysError)
                {
                    // The lock guards against a second action run by hand; a lock directory that
                    // cannot be used must not turn a stop into a failure (Pacemaker would fence).
                    log.Warn($"{action} runs without the per-resource lock: {ErrorText.Describe(e)}");
                    locked = false;
                }
                result = locked && held is null
                    ? OcfResult.Fail(OcfExit.Generic, $"another action on this resource still runs (lock {path}); {action} changed nothing")
                    : Dispatch(agent, ctx);
            }
            else result = Dispatch(agent, ctx);
        }
        catch (Exception e)
        {
            // Whatever escaped the agent: one reason in words, 4 when this node lacks the right
            // (permission, read-only file system), else 1; never a stack trace or a signal.
            result = OcfResult.Fail(ErrorText.IsPermission(e) ? OcfExit.Permission : OcfExit.Generic,
                e is SysError or IOException or UnauthorizedAccessException
                    ? ErrorText.Describe(e)
                    : $"{action}: {ErrorText.Describe(e)}");
        }
        finally
        {
            held?.Dispose();
        }
        if (!result.IsSuccess && deadline.Expired && result.Code != OcfExit.NotRunning)
            result = result with { Reason = $"{action} timed out after {MetaData.Seconds(deadline.Timeout)}: {result.Reason}" };
        return Finish(stderr, env, log, action, result);
    }

    /// <summary>
    /// The actions that change the resource run one at a time per resource (<see cref="ResourceLock"/>);
    /// monitor and validate-all only read, and a recurring monitor must never wait behind a start.
    /// </summary>
    private static bool Changes(string action) => action is "start" or "stop" or "migrate_to" or "migrate_from" or "reload" or "reload-agent";

    private static OcfResult Dispatch<TConfig>(ResourceAgent<TConfig> agent, OcfContext ctx)
    {
        var log = ctx.Log;
        Configured<TConfig> configured = ctx.Values.IsValid
            ? agent.Configure(ctx.Values)
            : Configured<TConfig>.Invalid(string.Join("; ", ctx.Values.Errors));
        if (configured.Config is not { } config)
        {
            var failure = configured.Failure;
            switch (ctx.Action)
            {
                case "stop" or "migrate_to" when agent.IsStoppedWithoutConfig(ctx):
                    log.Info($"{ctx.Action}: configuration is invalid ({failure.Reason}) but nothing is active here: stopped");
                    return OcfResult.Success;
                case "monitor" or "status" when ctx.IsProbe && agent.IsStoppedWithoutConfig(ctx):
                    log.Info($"probe: configuration is invalid ({failure.Reason}) and nothing is active here: not running");
                    return OcfResult.NotRunning;
                default:
                    return failure;
            }
        }

        switch (ctx.Action)
        {
            case "start":
                return StartFlow(agent, ctx, config);
            case "stop":
                return StopFlow(agent, ctx, config);
            case "migrate_to":
                log.Info($"migrate_to: handing over from {ctx.MigrateSource ?? "this node"} to {ctx.MigrateTarget ?? "?"}");
                return agent.HandOver(ctx, config) ?? StopFlow(agent, ctx, config);
            case "migrate_from":
                log.Info($"migrate_from: taking over from {ctx.MigrateSource ?? "?"} on {ctx.MigrateTarget ?? "this node"}");
                return StartFlow(agent, ctx, config);
            case "validate-all":
                return agent.Validate(ctx, config);
            case "reload-agent" or "reload":
                return agent.ReloadAgent(ctx, config);
            default:
                var m = Observe(agent, ctx, config);
                if (ctx.IsProbe && m.Code == OcfExit.NotInstalled)
                {
                    log.Info($"probe: {m.Reason}; it cannot be running on this node");
                    return OcfResult.NotRunning;
                }
                return m;
        }
    }

    /// <summary>
    /// The agent's monitor, then — only for a resource that is active — its checks of the
    /// configuration against this node (ResourceAgent.CheckWhileActive). A resource that is not
    /// running is stopped whatever those checks say, so stop's verification and a probe never fail
    /// on them (cfgloc gone with the shared storage, a service address moved away).
    /// </summary>
    public static OcfResult Observe<TConfig>(ResourceAgent<TConfig> agent, OcfContext ctx, TConfig config)
    {
        var m = agent.Monitor(ctx, config);
        return m.Code == OcfExit.NotRunning ? m : agent.CheckWhileActive(ctx, config) ?? m;
    }

    /// <summary>Monitor first, then act, then verify.</summary>
    public static OcfResult StartFlow<TConfig>(ResourceAgent<TConfig> agent, OcfContext ctx, TConfig config)
    {
        var before = Observe(agent, ctx, config);
        if (before.IsSuccess)
        {
            ctx.Log.Info("start: already running");
            return agent.FinishStart(ctx, config);
        }
        ctx.Log.Debug($"start: monitor says {(int)before.Code} ({before.Reason ?? "not running"})");
        var done = agent.Start(ctx, config);
        if (!done.IsSuccess) return done;
        var after = Observe(agent, ctx, config);
        if (after.IsSuccess)
        {
            ctx.Log.Info("start: running, verified by monitor");
            return agent.FinishStart(ctx, config);
        }
        return OcfResult.Fail(OcfExit.Generic, $"start finished but monitor says: {after.Reason ?? "not running"}");
    }

    /// <summary>Monitor first, then act, then verify.</summary>
    public static OcfResult StopFlow<TConfig>(ResourceAgent<TConfig> agent, OcfContext ctx, TConfig config)
    {
        var before = Observe(agent, ctx, config);
        if (before.Code == OcfExit.NotRunning)
        {
            if (agent.BlocksStop(ctx, config) is { IsSuccess: false } blocked) return blocked;
            ctx.Log.Info("stop: already stopped");
            return OcfResult.Success;
        }
        ctx.Log.Debug($"stop: monitor says {(int)before.Code} ({before.Reason ?? "running"})");
        var done = agent.Stop(ctx, config);
        if (!done.IsSuccess) return done;
        var after = Observe(agent, ctx, config);
        if (after.Code == OcfExit.NotRunning)
        {
            if (agent.BlocksStop(ctx, config) is { IsSuccess: false } blocked) return blocked;
            ctx.Log.Info("stop: stopped, verified by monitor");
            return OcfResult.Success;
        }
        return OcfResult.Fail(OcfExit.Generic, $"stop finished but monitor says: {after.Reason ?? "still running"}");
    }

    private static int Finish(TextWriter stderr, IReadOnlyDictionary<string, string> env, Log log, string action, OcfResult result)
    {
        var code = (int)result.Code;
        if (result.IsSuccess || result.Code == OcfExit.NotRunning)
        {
            log.Debug($"{action}: exit {code}");
            Tracing.End(action, code);
            return code;
        }
        var reason = string.IsNullOrWhiteSpace(result.Reason) ? $"{action} failed" : result.Reason!;
        log.Error($"{action}: exit {code}: {reason}");
        Tracing.End(action, code);
        stderr.WriteLine(ExitReasonLine(env, reason));
        stderr.Flush();
        return code;
    }

    /// <summary>The line Pacemaker shows in crm_mon: prefix (OCF_EXIT_REASON_PREFIX or "ocf-exit-reason:") and one line of at most 128 characters.</summary>
    public static string ExitReasonLine(IReadOnlyDictionary<string, string> env, string reason)
    {
        var prefix = Get(env, "OCF_EXIT_REASON_PREFIX") ?? "ocf-exit-reason:";
        var oneLine = ErrorText.Printable(OneLine(reason).Trim());
        if (oneLine.Length > MaxExitReasonLength) oneLine = oneLine[..(MaxExitReasonLength - 3)] + "...";
        return prefix + oneLine;
    }

    /// <summary>
    /// Every line break (CR, LF, CRLF, NEL, LS, PS, FF — the set string.ReplaceLineEndings knows)
    /// becomes one space. A loop of our own: ReplaceLineEndings builds a SearchValues table on
    /// first use, which brings up the shared ArrayPool and a random generator seeded from
    /// /dev/urandom — on every action, since the watchdog's line is made before the action runs.
    /// </summary>
    private static string OneLine(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n' or '\f' or '\u0085' or '\u2028' or '\u2029')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                sb.Append(' ');
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// OCF_RESKEY_CRM_meta_timeout (ms) when Pacemaker gives it, else the advertised default for
    /// the action; a value that is not a positive number is ignored in favour of the default.
    /// </summary>
    public static TimeSpan TimeoutFor(IAgentDescription agent, string action, IReadOnlyDictionary<string, string> env)
    {
        if (ParseLong(Get(env, "OCF_RESKEY_CRM_meta_timeout")) is { } ms && ms > 0) return TimeSpan.FromMilliseconds(ms);
        var t = agent.Timeouts;
        return action switch
        {
            "start" => t.Start,
            "stop" => t.Stop,
            "migrate_to" or "migrate_from" => t.Migrate,
            "validate-all" or "reload-agent" or "reload" => t.Validate,
            _ => t.Monitor,
        };
    }

    private static void ArmWatchdog(Deadline deadline, IReadOnlyDictionary<string, string> env, string action) =>
        Watchdog.Arm(deadline.Budget,
            ExitReasonLine(env, $"{action} timed out after {MetaData.Seconds(deadline.Timeout)} (deadline before Pacemaker's timeout)") + "\n",
            (int)OcfExit.Generic);

    internal static string? Get(IReadOnlyDictionary<string, string> env, string key) =>
        env.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    internal static long? ParseLong(string? s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
}
