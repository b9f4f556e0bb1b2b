using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Tests;

/// <summary>An in-memory agent whose behaviour each test scripts, to observe what the host does around it.</summary>
internal sealed class TestAgent : ResourceAgent<string>
{
    public static readonly Parameter<string> Name_ = Param.String("name", "A name", "A required name.", required: true);
    public static readonly Parameter<long> Count = Param.Integer("count", "A count", "A count between 1 and 5.", 3, min: 1, max: 5);
    public static readonly Parameter<bool> Flag = Param.Boolean("flag", "A flag", "A reloadable flag.", false, reloadable: true);
    public static readonly Parameter<string> Password = Param.String("password", "A secret", "A secret value.", secret: true,
        check: v => v.Length < 4 ? "too short" : null);
    public static readonly Parameter<string> Dir = Param.AbsolutePath("dir", "A directory", "An absolute directory.", "/var/tmp");

    public bool Running;
    public bool StoppedWithoutConfig = true;
    public Func<OcfContext, OcfResult>? OnStart, OnStop, OnMonitor;
    /// <summary>What HandOver answers; null (the default) makes migrate_to a stop.</summary>
    public Func<OcfContext, OcfResult?>? OnHandOver;
    public readonly List<string> Calls = [];
    public OcfContext? LastContext;

    public override string Name => "testagent";
    public override string ShortDesc => "Test agent & <friends>";
    public override string LongDesc => "An agent used by the host's tests.";
    public override IReadOnlyList<Parameter> Parameters => [Name_, Count, Flag, Password, Dir];
    public override bool SupportsMigration => true;
    public override IReadOnlyList<int> CheckLevels => [0, 10];

    public override Configured<string> Configure(ParameterValues values) =>
        values.Get(Name_) == "bad" ? Configured<string>.Invalid("name 'bad' is refused") : values.Get(Name_);

    public override OcfResult Monitor(OcfContext ctx, string config)
    {
        Calls.Add("monitor");
        LastContext = ctx;
        return OnMonitor?.Invoke(ctx) ?? (Running ? OcfResult.Success : OcfResult.NotRunning);
    }

    public override OcfResult Start(OcfContext ctx, string config)
    {
        Calls.Add("start");
        LastContext = ctx;
        var r = OnStart?.Invoke(ctx) ?? OcfResult.Success;
        if (r.IsSuccess) Running = true;
        return r;
    }

    public override OcfResult Stop(OcfContext ctx, string config)
    {
        Calls.Add("stop");
        LastContext = ctx;
        var r = OnStop?.Invoke(ctx) ?? OcfResult.Success;
        if (r.IsSuccess) Running = false;
        return r;
    }

    public override OcfResult? HandOver(OcfContext ctx, string config)
    {
        Calls.Add("handover");
        return OnHandOver?.Invoke(ctx);
    }

    public override bool IsStoppedWithoutConfig(OcfContext ctx) => StoppedWithoutConfig;
}

/// <summary>Runs the host in-process with a given environment and captures what Pacemaker would see.</summary>
internal sealed record HostRun(int Code, string Stdout, string Stderr)
{
    public string[] ExitReasons => Stderr.Split('\n').Where(l => l.StartsWith("ocf-exit-reason:")).ToArray();

    public static HostRun Of(TestAgent agent, string[] args, Dictionary<string, string>? env = null)
    {
        var e = env ?? new Dictionary<string, string>();
        if (!e.ContainsKey("OCF_RESKEY_name")) e["OCF_RESKEY_name"] = "ok";
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = OcfHost.Run(agent, args, e, stdout, stderr, new HostOptions { HardDeadline = false });
        return new HostRun(code, stdout.ToString(), stderr.ToString());
    }
}
