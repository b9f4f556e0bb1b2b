using System.Collections.Concurrent;
using OcfAgents.Sys;
using Tmds.DBus.Protocol;

namespace OcfAgents.DBus;

/// <summary>
/// systemd's manager (org.freedesktop.systemd1 on the system bus, the interface systemctl and
/// Pacemaker's own systemd: class use), for agents whose daemon may be a unit instead of a
/// process they run themselves. A start or stop is a job: StartUnit/StopUnit return its object
/// path and the JobRemoved signal says how it ended, so nothing polls and no systemctl runs.
///
/// | call                          | answer                 | meaning for the agent              |
/// |-------------------------------|------------------------|------------------------------------|
/// | Subscribe()                   | ()                     | systemd emits JobRemoved to us     |
/// | StartUnit(s unit, s "replace")| o job                  | start queued                       |
/// | StopUnit(s unit, s "replace") | o job                  | stop queued                        |
/// | GetUnit(s unit)               | o unit                 | the unit's object, for its state   |
/// | Properties.Get(Unit, ActiveState) | v s                | "failed" ends a start's wait       |
/// | signal JobRemoved             | u id, o job, s unit, s result | done, canceled, timeout, failed, dependency, skipped |
/// </summary>
public sealed class Systemd : IDisposable
{
    private const string Service = "org.freedesktop.systemd1";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string Manager = "org.freedesktop.systemd1.Manager";

    private readonly DBusClient _bus;
    private readonly IDisposable _jobWatch;
    private readonly ConcurrentDictionary<string, string> _endedJobs = new();
    private readonly SemaphoreSlim _jobEnded = new(0);

    private Systemd(DBusClient bus, IDisposable jobWatch) { _bus = bus; _jobWatch = jobWatch; }

    public void Dispose() { _jobWatch.Dispose(); _bus.Dispose(); _jobEnded.Dispose(); }

    /// <summary>
    /// Connects to the system bus and subscribes to job ends; null with the reason when systemd
    /// cannot be reached. The match is placed before any job is queued, so no end is missed.
    /// </summary>
    public static (Systemd? Manager, string Error) Connect(Deadline deadline)
    {
        var address = DBusClient.SystemBusAddress(null);
        var (bus, error) = DBusClient.Connect(address, deadline);
        if (bus is null) return (null, $"cannot reach systemd on the system bus ({address}): {error}");
        Systemd? systemd = null;
        var rule = new MatchRule { Type = MessageType.Signal, Sender = Service, Path = ManagerPath, Interface = Manager, Member = "JobRemoved" };
        var (watch, watchError) = bus.Watch(rule, static r =>
        {
            r.ReadUInt32();
            var job = r.ReadObjectPathAsString();
            r.ReadString();
            return (Job: job, Result: r.ReadString());
        }, ended => systemd?.JobEnded(ended.Job, ended.Result), deadline);
        if (watch is null) { bus.Dispose(); return (null, $"cannot watch systemd's jobs on {address}: {watchError}"); }
        systemd = new Systemd(bus, watch);
        var subscribe = bus.Call<bool>(Service, ManagerPath, Manager, "Subscribe", null, null, static _ => true, deadline);
        if (subscribe.Outcome == CallOutcome.Ok) return (systemd, "");
        systemd.Dispose();
        return (null, subscribe.Outcome == CallOutcome.NoService
            ? $"systemd does not answer on the system bus ({address}); is this node booted with systemd?"
            : $"systemd refused Subscribe: {Describe(subscribe)}");
    }

    private void JobEnded(string job, string result)
    {
        _endedJobs[job] = result;
        _jobEnded.Release();
    }

    /// <summary>Queues a start (mode "replace", as systemctl start); the job's path, or the reason it was refused.</summary>
    public (string? Job, string Error) StartUnit(string unit, Deadline deadline) => Queue("StartUnit", unit, deadline);

    /// <summary>Queues a stop (mode "replace", as systemctl stop); the job's path, or the reason it was refused.</summary>
    public (string? Job, string Error) StopUnit(string unit, Deadline deadline) => Queue("StopUnit", unit, deadline);

    private (string? Job, string Error) Queue(string member, string unit, Deadline deadline)
    {
        var r = _bus.Call(Service, ManagerPath, Manager, member, "ss", (ref MessageWriter w) => { w.WriteString(unit); w.WriteString("replace"); },
            static reader => reader.ReadObjectPathAsString(), deadline);
        return r.Outcome == CallOutcome.Ok ? (r.Value, "") : (null, Describe(r));
    }

    /// <summary>How <paramref name="job"/> ended (systemd's result word), or null while it has not by the deadline.</summary>
    public string? JobResult(string job, Deadline deadline)
    {
        while (true)
        {
            if (_endedJobs.TryGetValue(job, out var result)) return result;
            if (deadline.Expired || !_jobEnded.Wait(deadline.RemainingMilliseconds)) return _endedJobs.GetValueOrDefault(job);
        }
    }

    /// <summary>The ended result of <paramref name="job"/> if it has ended, without waiting.</summary>
    public string? EndedJob(string job) => _endedJobs.GetValueOrDefault(job);

    /// <summary>The unit's object path (GetUnit), or null when systemd has not loaded it.</summary>
    public string? UnitPath(string unit, Deadline deadline)
    {
        var path = _bus.Call(Service, ManagerPath, Manager, "GetUnit", "s", (ref MessageWriter w) => w.WriteString(unit),
            static r => r.ReadObjectPathAsString(), deadline);
        return path.Outcome == CallOutcome.Ok ? path.Value : null;
    }

    /// <summary>The ActiveState ("active", "failed", …) of the unit at <paramref name="unitPath"/>, or null when systemd does not say.</summary>
    public string? ActiveState(string unitPath, Deadline deadline)
    {
        var state = _bus.Call(Service, unitPath, "org.freedesktop.DBus.Properties", "Get", "ss",
            (ref MessageWriter w) => { w.WriteString("org.freedesktop.systemd1.Unit"); w.WriteString("ActiveState"); },
            static r => r.ReadSignatureAsString() == "s" ? r.ReadString() : null, deadline);
        return state.Outcome == CallOutcome.Ok ? state.Value : null;
    }

    private static string Describe<T>(CallResult<T> r) => r.ErrorName is null ? r.Text : $"{r.Text} ({r.ErrorName})";

    // ---- what the agents do with a unit ------------------------------------------------------

    /// <summary>How a unit's start ended: ready (the agent's own check), failed (systemd says so), or neither by the deadline.</summary>
    public readonly record struct UnitStart(bool Ready, bool Failed, string? NotQueued);

    /// <summary>
    /// Starts a unit the way the agents do: StartUnit, then the agent's own readiness check until
    /// it passes, the start job ends other than "done" or systemd marks the unit failed. A slice
    /// of the deadline (a quarter, at most 10 s) is kept for the caller, which stops the unit when
    /// the start did not end ready (<see cref="StopAfterStart"/>): systemd must not finish the
    /// start behind Pacemaker's back.
    /// </summary>
    public static UnitStart StartAndWait(string unit, Deadline deadline, Func<Deadline, bool> ready, Logging.Log log, string forWhat)
    {
        var (systemd, error) = Connect(deadline);
        if (systemd is null) return new(false, false, error);
        using (systemd)
        {
            var (job, refused) = systemd.StartUnit(unit, deadline);
            if (job is null) return new(false, false, $"systemd did not start {unit}: {refused}");
            log.Info($"asked systemd to start {unit}{forWhat} (job {job})");
            CrashPoint.Here("asked systemd to start the unit");
            var cleanup = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, deadline.Budget.Ticks / 4));
            var wait = Deadline.After(deadline.Remaining - cleanup);
            bool isReady = false, failed = false;
            // The unit is loaded once its start is queued: its object path is looked up once.
            var unitPath = systemd.UnitPath(unit, wait);
            wait.WaitUntil(() => (isReady = ready(wait))
                || (failed = systemd.EndedJob(job) is { } result && result != "done"
                    || unitPath is not null && systemd.ActiveState(unitPath, wait) == "failed"),
                TimeSpan.FromMilliseconds(200));
            return new(isReady, failed, null);
        }
    }

    /// <summary>Stops a unit whose start did not end ready, in what is left of the start's deadline.</summary>
    public static void StopAfterStart(string unit, Deadline deadline, Logging.Log log)
    {
        if (Stop(unit, Deadline.After(deadline.Remaining)) is { } failed) log.Warn(failed);
    }

    /// <summary>
    /// The first step of the agents' stop in systemd mode: systemd's own stop (its escalation within
    /// TimeoutStopSec) in half of the stop time; whatever survives meets the agent's escalation and
    /// the same verification as without systemd.
    /// </summary>
    public static void StopFirst(string unit, Deadline deadline, Logging.Log log)
    {
        if (Stop(unit, Deadline.After(deadline.Remaining / 2)) is { } failed) log.Warn(failed);
        else log.Info($"systemd stopped {unit}");
        CrashPoint.Here("asked systemd to stop the unit");
    }

    /// <summary>StopUnit and the wait for its job to end; null when it ended "done", else what happened.</summary>
    private static string? Stop(string unit, Deadline deadline)
    {
        var (systemd, error) = Connect(deadline);
        if (systemd is null) return error;
        using (systemd)
        {
            var (job, refused) = systemd.StopUnit(unit, deadline);
            if (job is null) return $"systemd did not stop {unit}: {refused}";
            return systemd.JobResult(job, deadline) switch
            {
                "done" => null,
                null => $"systemd had not stopped {unit} in the time given (job {job} still runs)",
                var result => $"systemd's stop of {unit} ended '{result}'",
            };
        }
    }
}
