using System.Globalization;

namespace OcfAgents.Ocf;

/// <summary>The OCF content types that pass both the 1.0 DTD and the 1.1 RelaxNG schema.</summary>
public enum ContentType { String, Integer, Boolean }

/// <summary>
/// One parameter, declared once. Meta-data, validation, binding from OCF_RESKEY_*, help text
/// and the man page are all derived from this declaration.
/// </summary>
public abstract class Parameter
{
    public required string Name { get; init; }
    public required string ShortDesc { get; init; }
    public required string LongDesc { get; init; }
    public bool Required { get; init; }
    public bool Unique { get; init; }
    public bool Reloadable { get; init; }
    /// <summary>Never logged, never given a default, hidden by Pacemaker.</summary>
    public bool Secret { get; init; }
    /// <summary>The default as it appears in meta-data; parsed like any user value.</summary>
    public string? Default { get; init; }
    public abstract ContentType Type { get; }

    public string EnvironmentName => "OCF_RESKEY_" + Name;

    /// <summary>Parses a raw value; returns an error sentence (without the parameter name) or null.</summary>
    internal abstract string? TryParse(string raw, out object? value);
}

/// <summary>A typed parameter. <typeparamref name="T"/> is what an agent reads from <see cref="ParameterValues"/>.</summary>
public class Parameter<T> : Parameter
{
    private readonly ContentType _type;
    private readonly Func<string, (T? Value, string? Error)> _parse;

    public Parameter(ContentType type, Func<string, (T? Value, string? Error)> parse)
    {
        _type = type;
        _parse = parse;
    }

    public override ContentType Type => _type;

    internal override string? TryParse(string raw, out object? value)
    {
        var (v, error) = _parse(raw);
        value = v;
        return error;
    }
}

/// <summary>Constructors for the parameter kinds agents use.</summary>
public static class Param
{
    public static Parameter<string> String(string name, string shortDesc, string longDesc,
        string? @default = null, bool required = false, bool unique = false, bool reloadable = false,
        bool secret = false, Func<string, string?>? check = null) =>
        new(ContentType.String, raw => (raw, check?.Invoke(raw)))
        {
            Name = name, ShortDesc = shortDesc, LongDesc = longDesc, Default = @default,
            Required = required, Unique = unique, Reloadable = reloadable, Secret = secret,
        };

    /// <summary>A string restricted to listed values (declared as "string": the DTD has no "select").</summary>
    public static Parameter<string> Choice(string name, string shortDesc, string longDesc, string[] choices,
        string @default, bool reloadable = false) =>
        new(ContentType.String, raw => choices.Contains(raw, StringComparer.Ordinal)
            ? (raw, null) : (null, $"'{raw}' is not one of {string.Join(", ", choices)}"))
        {
            Name = name, ShortDesc = shortDesc,
            LongDesc = $"{longDesc} One of: {string.Join(", ", choices)}.",
            Default = @default, Reloadable = reloadable,
        };

    public static Parameter<long> Integer(string name, string shortDesc, string longDesc, long @default,
        long min = long.MinValue, long max = long.MaxValue, bool reloadable = false) =>
        new(ContentType.Integer, raw =>
            !long.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
                ? (0, $"'{raw}' is not an integer")
                : v < min || v > max ? (0, $"{v} is outside {min}..{max}") : (v, null))
        {
            Name = name, ShortDesc = shortDesc, LongDesc = longDesc,
            Default = @default.ToString(CultureInfo.InvariantCulture), Reloadable = reloadable,
        };

    /// <summary>OCF booleans as ocf_is_true reads them: yes/true/1/on and no/false/0/off, any case.</summary>
    public static Parameter<bool> Boolean(string name, string shortDesc, string longDesc, bool @default,
        bool reloadable = false) =>
        new(ContentType.Boolean, raw => raw.Trim().ToLowerInvariant() switch
        {
            "yes" or "true" or "1" or "on" => (true, null),
            "no" or "false" or "0" or "off" => (false, null),
            _ => (false, $"'{raw}' is not a boolean (use true or false)"),
        })
        {
            Name = name, ShortDesc = shortDesc, LongDesc = longDesc,
            Default = @default ? "true" : "false", Reloadable = reloadable,
        };

    /// <summary>An absolute path without "..": relative paths depend on the executor's working directory.</summary>
    public static Parameter<string> AbsolutePath(string name, string shortDesc, string longDesc,
        string? @default = null, bool required = false, bool unique = false) =>
        new(ContentType.String, raw => CheckAbsolute(raw) is { } e ? (null, e) : (Sys.PathText.Normalize(raw), null))
        {
            Name = name, ShortDesc = shortDesc, LongDesc = longDesc, Default = @default,
            Required = required, Unique = unique,
        };

    /// <summary>
    /// state_dir, the same for every agent that records something between actions: a directory on
    /// tmpfs (/run/ocf-AGENT by default), which the agent creates 0700 and refuses unless it is its
    /// own (Sys.StateDirectory). <paramref name="longDesc"/> says what this agent records there.
    /// </summary>
    public static Parameter<string> StateDir(string agent, string longDesc) =>
        AbsolutePath("state_dir", "Where this node's state is recorded", longDesc, @default: $"/run/ocf-{agent}");

    /// <summary>
    /// systemd_unit, the same for every agent whose daemon may run as a systemd unit instead of
    /// under the agent (OcfAgents.DBus.Systemd does the starting and stopping): a unit name as systemd
    /// accepts it. <paramref name="longDesc"/> says which unit and what changes.
    /// </summary>
    public static Parameter<string> SystemdUnit(string shortDesc, string longDesc) =>
        String("systemd_unit", shortDesc, longDesc, check: Sys.UnitName.Check);

    /// <summary>A whitespace-separated list of absolute paths.</summary>
    public static Parameter<string[]> PathList(string name, string shortDesc, string longDesc,
        string? @default = null, bool required = false, bool unique = false) =>
        new(ContentType.String, raw =>
        {
            var items = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            foreach (var item in items)
                if (CheckAbsolute(item) is { } e) return (null, e);
            return (items.Select(Sys.PathText.Normalize).ToArray(), null);
        })
        {
            Name = name, ShortDesc = shortDesc, LongDesc = longDesc, Default = @default,
            Required = required, Unique = unique,
        };

    public static string? CheckAbsolute(string path) =>
        path.Length == 0 ? "an empty path"
        : path[0] != '/' ? $"'{path}' is not an absolute path"
        : Sys.PathText.HasDotDot(path) ? $"'{path}' contains '..'"
        : path.Contains('\0') ? "a path with a NUL byte"
        : null;
}
