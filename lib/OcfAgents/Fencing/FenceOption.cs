using System.Globalization;
using System.Text;

namespace OcfAgents.Fencing;

/// <summary>A declared fence option of any type: what the host lists, documents and parses.</summary>
public interface IFenceOption
{
    FenceParameter Declaration { get; }
}

/// <summary>
/// A fence option as code reads it: its declaration (for meta-data, getopt, the man page and
/// parsing) and how its checked text becomes a value. A value is read by handle
/// (<c>options.Get(FenceOption.PowerTimeout)</c>), never by name, so a default lives in the
/// declaration alone.
/// </summary>
public sealed class FenceOption<T> : IFenceOption
{
    private readonly Func<string, T> _convert;
    private readonly T _absent;

    internal FenceOption(FenceParameter declaration, Func<string, T> convert, T absent)
    {
        Declaration = declaration;
        _convert = convert;
        _absent = absent;
    }

    public FenceParameter Declaration { get; }
    public string Name => Declaration.Name;

    /// <summary>The value of checked text, the declaration's default, or (neither) the type's "not set".</summary>
    internal T Read(string? raw) => (raw ?? Declaration.Default) is { } text ? _convert(text) : _absent;
}

/// <summary>
/// The fence options: how each kind is declared, and the ones every device shares, declared once.
///
/// | declared here, the host reads them      | declared here, a device opts in with its own words |
/// |------------------------------------------|-----------------------------------------------------|
/// | action, plug, method, delay, power_wait, power_timeout, login_timeout, shell_timeout, retry_on, password_script, verbose, debug_file, nodename | ip, ipport, username, password |
/// </summary>
public static class FenceOption
{
    public static FenceOption<string> Text(FenceParameter p) => new(p, raw => raw, "");

    public static FenceOption<bool> Flag(FenceParameter p) =>
        new(p with { Kind = FenceKind.Boolean, ValueName = null }, raw => FenceParameter.ParseBool(raw) == true, false);

    public static FenceOption<long> Integer(FenceParameter p, long fallback) =>
        new(p with { Kind = FenceKind.Integer, Default = fallback.ToString(CultureInfo.InvariantCulture) },
            raw => long.Parse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), fallback);

    public static FenceOption<TimeSpan> Seconds(FenceParameter p, double fallback) =>
        new(p with { Kind = FenceKind.Seconds, ValueName = "seconds", Default = fallback.ToString(CultureInfo.InvariantCulture) },
            raw => FenceParameter.ParseSeconds(raw) ?? TimeSpan.FromSeconds(fallback), TimeSpan.FromSeconds(fallback));

    /// <summary>One of <see cref="FenceParameter.Choices"/>; "" when unset and without a default.</summary>
    public static FenceOption<string> Select(FenceParameter p) => new(p with { Kind = FenceKind.Select }, raw => raw, "");

    // ---- the options every device has; the host reads them -----------------------------------------

    public static readonly string[] Actions = ["on", "off", "reboot", "status", "monitor", "list", "metadata", "validate-all", "manpage"];

    public static readonly FenceOption<string> Action = Select(new() { Name = "action", ShortDesc = "Fencing action", Short = 'o', ValueName = "action", Default = "reboot", Choices = [.. Actions, "list-status"] });
    public static readonly FenceOption<string> Plug = Text(new() { Name = "plug", ShortDesc = "The node to fence (accepted for Pacemaker; one device fences one node)", Short = 'n', ValueName = "id", Aliases = ["port"] });
    public static readonly FenceOption<string> Method = Select(new() { Name = "method", ShortDesc = "Method to fence: onoff (off verified, then on) or cycle (the device's own power cycle)", Short = 'm', ValueName = "method", Choices = ["onoff", "cycle"], Default = "onoff" });
    public static readonly FenceOption<TimeSpan> Delay = Seconds(new() { Name = "delay", ShortDesc = "Wait X seconds before fencing is started" }, 0);
    public static readonly FenceOption<TimeSpan> PowerWait = Seconds(new() { Name = "power_wait", ShortDesc = "Wait X seconds after issuing ON/OFF before checking the state" }, 0);
    public static readonly FenceOption<TimeSpan> PowerTimeout = Seconds(new() { Name = "power_timeout", ShortDesc = "Test X seconds for status change after ON/OFF" }, 20);
    public static readonly FenceOption<TimeSpan> LoginTimeout = Seconds(new() { Name = "login_timeout", ShortDesc = "Wait X seconds for the device to answer a login step" }, 5);
    public static readonly FenceOption<TimeSpan> ShellTimeout = Seconds(new() { Name = "shell_timeout", ShortDesc = "Accepted for compatibility; each request is bounded by login_timeout" }, 3);
    public static readonly FenceOption<long> RetryOn = Integer(new() { Name = "retry_on", ShortDesc = "Accepted for compatibility; requests are retried within login_timeout", ValueName = "attempts" }, 1);
    public static readonly FenceOption<string> PasswordScript = Text(new() { Name = "password_script", ShortDesc = "Program (argv split on spaces, no shell) whose first output line is the password", Short = 'S', ValueName = "script", Aliases = ["passwd_script"] });
    public static readonly FenceOption<bool> Verbose = Flag(new() { Name = "verbose", ShortDesc = "Verbose mode: debug lines on stderr", Short = 'v' });
    public static readonly FenceOption<string> DebugFile = Text(new() { Name = "debug_file", ShortDesc = "Write debug information to the given file", Short = 'D', ValueName = "debugfile", Aliases = ["debug"] });
    public static readonly FenceOption<string> NodeName = Text(new() { Name = "nodename", ShortDesc = "The node being fenced (set by Pacemaker)", ValueName = "name" });

    // The rest of fence-agents' common options: a configuration written for fence_ipmilan or
    // fence_ilo loads unchanged (pcs refuses an option the meta-data does not list).
    public static readonly FenceOption<long> VerboseLevel = Integer(new() { Name = "verbose_level", ShortDesc = "Level of debugging detail; above 0 is verbose", ValueName = "level", Range = (0, 9), RangeNoun = "from 0 to 9" }, 0);
    public static readonly FenceOption<bool> Quiet = Flag(new() { Name = "quiet", ShortDesc = "No log lines on stderr (verbose and debug_file still apply); the exit code says how it went", Short = 'q' });
    public static readonly FenceOption<string> PlugSeparator = Text(new() { Name = "plug_separator", ShortDesc = "Separator between plugs when more than one is given (one device fences one node: more than one is refused)", ValueName = "char", Default = "," });
    public static readonly FenceOption<bool> PortAsIp = Flag(new() { Name = "port_as_ip", ShortDesc = "Make plug the device's address (ip), as with one device per node named by its node" });
    public static readonly FenceOption<TimeSpan> StonithStatusSleep = Seconds(new() { Name = "stonith_status_sleep", ShortDesc = "Longest wait between power status requests while waiting for ON/OFF (the first waits are shorter)" }, 1);
    public static readonly FenceOption<bool> DisableTimeout = AcceptedFlag("disable_timeout", "every request keeps its own deadline (login_timeout, power_timeout), each well inside Pacemaker's timeout, so a dead device cannot hold the fencer");
    public static readonly FenceOption<bool> Version = Flag(new() { Name = "version", ShortDesc = "Print the version and exit", Short = 'V' });
    public static readonly FenceOption<bool> Help = Flag(new() { Name = "help", ShortDesc = "Print this usage and exit", Short = 'h' });

    /// <summary>The options every device has, after its own, in meta-data order.</summary>
    public static IReadOnlyList<IFenceOption> Common { get; } =
        [Action, Plug, Method, Delay, PowerWait, PowerTimeout, LoginTimeout, ShellTimeout, RetryOn, PasswordScript, Verbose, VerboseLevel, Quiet,
         DebugFile, NodeName, PlugSeparator, PortAsIp, StonithStatusSleep, DisableTimeout, Version, Help];

    /// <summary>
    /// An option of the fence-agents agent we replace that has no meaning here (fence_ipmilan's
    /// ipmitool_path): listed, so configurations load, and when given, one warning saying why
    /// it does nothing.
    /// </summary>
    public static FenceOption<string> Accepted(string name, string why, string? valueName = "value", string[]? aliases = null) =>
        Text(new() { Name = name, ShortDesc = $"Accepted for compatibility, ignored: {why}", ValueName = valueName, IgnoredBecause = why, Aliases = aliases ?? [] });

    /// <summary>As <see cref="Accepted"/>, for a flag.</summary>
    public static FenceOption<bool> AcceptedFlag(string name, string why, string[]? aliases = null) =>
        Flag(new() { Name = name, ShortDesc = $"Accepted for compatibility, ignored: {why}", IgnoredBecause = why, Aliases = aliases ?? [] });

    // ---- the options a device opts in to, described in its own words -----------------------------

    /// <summary>ip (alias ipaddr): where the device is; required.</summary>
    public static FenceOption<string> Ip(string shortDesc) =>
        Text(new() { Name = "ip", ShortDesc = shortDesc, Short = 'a', ValueName = "ip", Required = true, Kind = FenceKind.Host, Aliases = ["ipaddr"] });

    /// <summary>ipport: the device's port, 1–65535.</summary>
    public static FenceOption<long> IpPort(string shortDesc, string protocol, long port) => Port("ipport", shortDesc, protocol, port, 'u');

    /// <summary>Any port option: an integer from 1 to 65535, named by its protocol in the error.</summary>
    public static FenceOption<long> Port(string name, string shortDesc, string protocol, long port, char? shortName = null) =>
        Integer(new() { Name = name, ShortDesc = shortDesc, Short = shortName, ValueName = "port", Range = (1, 65535), RangeNoun = $"a {protocol} port" }, port);

    /// <summary>username (alias login), with the device's byte limit checked when it is given.</summary>
    public static FenceOption<string> Username(string shortDesc, bool required = false, int? maxBytes = null) =>
        Text(new() { Name = "username", ShortDesc = shortDesc, Short = 'l', ValueName = "name", Required = required, MaxBytes = maxBytes, Aliases = ["login"] });

    /// <summary>password (alias passwd): secret, never logged, never defaulted.</summary>
    public static FenceOption<string> Password(string shortDesc, int? maxBytes = null) =>
        Text(new() { Name = "password", ShortDesc = shortDesc, Short = 'p', ValueName = "password", Secret = true, MaxBytes = maxBytes, Aliases = ["passwd"] });

    internal static int ByteCount(string s) => Encoding.UTF8.GetByteCount(s);
}
