namespace OcfAgents.Agents.Tests.Support;

/// <summary>
/// The one readiness wait of the fixtures: checks a condition every <c>every</c> until it holds or
/// the deadline passes. The pause between checks paces the polling (a condition may run crm_mon or
/// connect to a port); it is never a wait for something to happen.
/// </summary>
public static class Poll
{
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var until = DateTime.UtcNow + timeout;
        var pause = every ?? TimeSpan.FromMilliseconds(50);
        while (!condition())
        {
            if (DateTime.UtcNow > until) return false;
            Thread.Sleep(pause);
        }
        return true;
    }
}
