using System.Globalization;

namespace OcfAgents.Agents.Tests.Support;

/// <summary>One line of reader.py's log: when, what ("path": open and read by name; "fd": the descriptor held open from the start), and "ok" or the errno's name.</summary>
public sealed record Read(double Time, string Kind, string Result)
{
    public bool Ok => Result == "ok";
    public override string ToString() => $"{Time:F3} {Kind} {Result}";
}

/// <summary>What one scenario of tests/nfs-guest/scenarios.sh did: its timed steps, every read, and the agents' log.</summary>
public sealed record NfsScenario(string Name, string Result, IReadOnlyList<(double Time, string Step)> Events, IReadOnlyList<Read> Reads, string AgentLog)
{
    public double At(string step) => Events.FirstOrDefault(e => e.Step == step) is { Step: not null } e ? e.Time
        : throw new Xunit.Sdk.XunitException($"{Name}: no step '{step}' in {string.Join(", ", Events.Select(x => x.Step))} ({Result})");

    /// <summary>The longest time without a successful read by name, from <paramref name="from"/> on: what a reader in a loop feels.</summary>
    public double LongestStall(double from)
    {
        var times = Reads.Where(r => r.Kind == "path" && r.Ok).Select(r => r.Time).ToList();
        var last = times.LastOrDefault(t => t <= from, from);
        var longest = 0.0;
        foreach (var t in times.Where(t => t > from))
        {
            longest = Math.Max(longest, t - last);
            last = t;
        }
        return longest;
    }

    public IEnumerable<Read> Failed(string kind) => Reads.Where(r => r.Kind == kind && !r.Ok);
    public IEnumerable<Read> After(double time, string kind) => Reads.Where(r => r.Kind == kind && r.Time > time);
    public override string ToString() => $"{Name}: {Result}\n{string.Join("\n", Events.Select(e => $"{e.Time:F3} {e.Step}"))}\n{AgentLog}";
}

/// <summary>
/// A real Linux NFS client and server: Debian's own kernel (linux-image-amd64, unpacked into
/// build/guest, not installed) booted once under QEMU with TCG, running every scenario of
/// tests/nfs-guest/scenarios.sh with the release nfs4replica. This machine's kernel has neither
/// an NFS client nor a server; the guest has both, and namespaces make two service nodes and a
/// client in it.
/// </summary>
public sealed class NfsGuest : IDisposable
{
    public static readonly string[] Scenarios = ["handover", "takeover-shared", "takeover-copies", "move-shared"];
    private static string Script => Path.Combine(Built.RepoRoot, "tests", "nfs-guest", "guest.sh");
    private static string KernelDir => Path.Combine(Built.RepoRoot, "build", "guest");

    /// <summary>Why the guest cannot run here (null: it can), found once: QEMU installed, the kernel package unpacked (fetched with apt-get download if it is not).</summary>
    public static string? MissingReason => Missing.Value;

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists("/usr/bin/qemu-system-x86_64")) return "qemu-system-x86 is not installed (tools/prereqs.sh installs it): no guest kernel with an NFS client";
        var r = Run.Command(["bash", Script, "prepare", KernelDir], TimeSpan.FromMinutes(5));
        return r.Code == 0 ? null : $"the guest kernel could not be prepared (linux-image-amd64 via apt-get download): {r.Stderr.Trim()}";
    });

    private readonly string _share = Directory.CreateTempSubdirectory("ocfagents-nfs-guest.").FullName;
    private readonly Dictionary<string, NfsScenario> _results = [];
    public string Console { get; }

    public NfsGuest()
    {
        if (MissingReason is not null) { Console = ""; return; }
        File.WriteAllText(Path.Combine(_share, "agent"), Built.Release("nfs4replica") + "\n");
        File.WriteAllText(Path.Combine(_share, "scenarios"), string.Join(' ', Scenarios) + "\n");
        var scenarios = Path.Combine(Built.RepoRoot, "tests", "nfs-guest", "scenarios.sh");
        var run = Run.Command(["bash", Script, "run", KernelDir, _share, scenarios, "900"], TimeSpan.FromMinutes(16));
        Console = Text("console.log") + Text("script.log") + run;
        foreach (var name in Scenarios)
        {
            var events = Text($"{name}.events").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ', 2)).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), p[1])).ToList();
            var reads = Text($"{name}.reads").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' '))
                .Where(p => p.Length == 3 && p[1] != "start").Select(p => new Read(double.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2])).ToList();
            _results[name] = new NfsScenario(name, Text($"{name}.result").Trim() is { Length: > 0 } r ? r : "no result", events, reads, Text($"{name}.agent"));
        }
    }

    private string Text(string file) => File.Exists(Path.Combine(_share, file)) ? File.ReadAllText(Path.Combine(_share, file)) : "";

    /// <summary>The scenario's record; it must have run to its end.</summary>
    public NfsScenario this[string name]
    {
        get
        {
            var s = _results[name];
            Xunit.Assert.True(s.Result == "ok", $"{s}\n--- guest ---\n{Console[Math.Max(0, Console.Length - 3000)..]}");
            return s;
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_share, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A fact that needs the QEMU guest: skipped, with the reason, where it cannot run.</summary>
public sealed class NfsGuestFactAttribute : FactAttribute
{
    public NfsGuestFactAttribute()
    {
        if (NfsGuest.MissingReason is { } why) Skip = why;
    }
}
