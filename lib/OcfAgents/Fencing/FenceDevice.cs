using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Fencing;

/// <summary>An open, logged-in connection to one power controller (a BMC, an iLO).</summary>
public interface IPowerSwitch : IDisposable
{
    bool IsOn();
    void PowerOn();
    /// <summary>The off that fences: immediate (or the device's configured power-down method).</summary>
    void PowerOff();
    /// <summary>method=cycle: the device's own cycle/reset; the state afterwards is on.</summary>
    void PowerCycle();
}

/// <summary>
/// A cluster-glue external/ plugin parameter. Those with <see cref="ConfigName"/> are listed by
/// getconfignames in declaration order, which is the order of `stonith -p "v1 v2 …"` and of the
/// Heartbeat v1 stonith_host line; the rest are extensions settable only by name.
/// </summary>
public sealed record ExternalParameter(string Name, string ShortDesc, string LongDesc,
    string? Default = null, bool Required = false, bool Unique = false, bool Secret = false, bool ConfigName = true);

/// <summary>
/// external/ parameters as a plugin receives them (environment variables), read against their
/// declarations: a parameter's default is written once, in its <see cref="ExternalParameter"/>.
/// </summary>
public sealed class ExternalValues(IReadOnlyList<ExternalParameter> declared, Func<string, string?> environment)
{
    /// <summary>The value set (non-empty), or null.</summary>
    public string? Given(string name) => environment(Declared(name).Name);

    /// <summary>The value set, else the declared default, else "".</summary>
    public string Get(string name) => Given(name) ?? Declared(name).Default ?? "";

    private ExternalParameter Declared(string name) =>
        declared.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"external/ parameter {name} is not declared");
}

/// <summary>
/// A fencing device described once for both APIs: the fence-agent options (Pacemaker 2,
/// stonith:fence_*) and the cluster-glue external/ parameters (Heartbeat, stonith:external/*),
/// which the device maps onto its fence-agent options so that one code path does the work.
/// </summary>
public abstract class FenceDevice
{
    public abstract string AgentName { get; }

    /// <summary>
    /// Other names this executable answers to, each with defaults of its own, as fence-agents
    /// ships fence_ipmilanplus (fence_ipmilan with lanplus on): name → option → default.
    /// </summary>
    public virtual IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Variants { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The name it was called by when that is one of <see cref="Variants"/>, else <see cref="AgentName"/>.</summary>
    public string ProgramName => _programName ?? AgentName;
    private string? _programName;

    /// <summary>The defaults that differ from the declarations' under <see cref="ProgramName"/>.</summary>
    public IReadOnlyDictionary<string, string> ProgramDefaults =>
        Variants.TryGetValue(ProgramName, out var d) ? d : new Dictionary<string, string>();

    /// <summary>An option's default as this program name has it.</summary>
    public string? DefaultOf(FenceParameter p) => ProgramDefaults.TryGetValue(p.Name, out var d) ? d : p.Default;

    /// <summary>Answers to <paramref name="programName"/> if it is one of <see cref="Variants"/>.</summary>
    public FenceDevice CalledAs(string programName)
    {
        _programName = Variants.ContainsKey(programName) ? programName : null;
        return this;
    }
    public abstract string ExternalName { get; }
    public abstract string ShortDesc { get; }
    public abstract string LongDesc { get; }
    public abstract string VendorUrl { get; }
    /// <summary>The man pages a reader of this one wants next ("fence_ipmilan(8)").</summary>
    public virtual IReadOnlyList<string> SeeAlso => [];
    /// <summary>The device's own options; the host adds <see cref="FenceOption.Common"/> (action, plug, delay, power_*).</summary>
    public abstract IReadOnlyList<IFenceOption> DeviceOptions { get; }
    /// <summary>The device's password option (one of <see cref="DeviceOptions"/>); password_script stands in for it.</summary>
    public abstract FenceOption<string> Password { get; }
    public abstract IReadOnlyList<ExternalParameter> ExternalParameters { get; }
    /// <summary>getinfo-devid, -devname, -devdescr, -devurl.</summary>
    public abstract (string Id, string Name, string Description, string Url) ExternalInfo { get; }

    /// <summary>The hosts this external/ device fences (gethosts), from its parameters.</summary>
    public abstract IReadOnlyList<string> ExternalHosts(ExternalValues env);

    /// <summary>Fills fence-agent options from external/ parameters (environment variables).</summary>
    public abstract void MapExternal(ExternalValues env, FenceOptions into);

    /// <summary>Cross-parameter checks beyond each parameter's own type; throw <see cref="FenceConfigException"/>.</summary>
    public virtual void Validate(FenceOptions options) { }

    /// <summary>
    /// The device's limits on the password this configuration would send, checked on its bytes
    /// (a password_script's output included) before anything is sent; throw <see cref="FenceConfigException"/>.
    /// </summary>
    public virtual void ValidatePassword(FenceOptions options, byte[] password) { }

    public abstract IPowerSwitch Connect(FenceOptions options, byte[] password, Deadline deadline, Log log);
}
