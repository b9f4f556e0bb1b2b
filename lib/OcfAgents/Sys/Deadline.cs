using System.Diagnostics;

namespace OcfAgents.Sys;

/// <summary>
/// The moment an action must have answered by. Pacemaker SIGKILLs the agent's process group at
/// the operation timeout without warning, so the deadline sits a margin before it: 10% of the
/// timeout, at least 200 ms and at most 2 s (decision: enough to print an exit reason and undo a
/// half-done step, small enough not to waste a short timeout).
/// </summary>
public readonly struct Deadline
{
    private readonly long _startTicks;
    public TimeSpan Timeout { get; }
    public TimeSpan Budget { get; }

    public Deadline(TimeSpan timeout)
    {
        _startTicks = Stopwatch.GetTimestamp();
        Timeout = timeout;
        var margin = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 10, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(2).Ticks));
        Budget = timeout > margin * 2 ? timeout - margin : timeout / 2;
    }

    public static Deadline After(TimeSpan timeout) => new(timeout);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTicks);
    public TimeSpan Remaining => Budget - Elapsed is var r && r > TimeSpan.Zero ? r : TimeSpan.Zero;
    public int RemainingMilliseconds => (int)Math.Min(int.MaxValue, Remaining.TotalMilliseconds);
    public bool Expired => Remaining == TimeSpan.Zero;

    /// <summary>Waits for <paramref name="condition"/> with short growing polls until it holds or the deadline passes.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan? maxPoll = null)
    {
        var poll = TimeSpan.FromMilliseconds(5);
        var cap = maxPoll ?? TimeSpan.FromMilliseconds(200);
        while (true)
        {
            if (condition()) return true;
            if (Expired) return false;
            Thread.Sleep(poll < Remaining ? poll : Remaining);
            poll = poll * 2 < cap ? poll * 2 : cap;
        }
    }
}
