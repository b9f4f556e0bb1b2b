using System.Globalization;

namespace OcfAgents.Fencing;

public enum FenceKind { String, Integer, Boolean, Select, Seconds, Host }

/// <summary>
/// One fence-agent option, declared once. From it come the fence-agent meta-data (with the
/// getopt line fence_ipmilan users know), the stdin key, the command-line option, the man page
/// (section 8) and parsing. <see cref="Aliases"/> are the older names fence-agents still accept
/// (ipaddr, login, passwd, port): each is advertised as deprecated and read like the main name.
/// </summary>
public sealed record FenceParameter
{
    public required string Name { get; init; }
    public required string ShortDesc { get; init; }
    public FenceKind Kind { get; init; } = FenceKind.String;
    public string? Default { get; init; }
    public string[] Choices { get; init; } = [];
    public bool Required { get; init; }
    /// <summary>Never logged, never defaulted in meta-data.</summary>
    public bool Secret { get; init; }
    /// <summary>The single-letter option fence-agents use, if any.</summary>
    public char? Short { get; init; }
    /// <summary>The placeholder in getopt's "--name=[value]"; null for flags.</summary>
    public string? ValueName { get; init; } = "value";
    public string[] Aliases { get; init; } = [];
    /// <summary>Integer options: the values allowed, and what the value must be ("a UDP port").</summary>
    public (long Min, long Max)? Range { get; init; }
    public string RangeNoun { get; init; } = "in range";
    /// <summary>Text options: the device's limit in UTF-8 bytes, checked when the value is given.</summary>
    public int? MaxBytes { get; init; }
    /// <summary>Set for an option accepted only so that fence-agents configurations load: why it does nothing (warned once when given).</summary>
    public string? IgnoredBecause { get; init; }

    public string LongOption => "--" + Name.Replace('_', '-');

    public string Getopt =>
        (Short is { } s ? $"-{s}, " : "") + LongOption + (Kind == FenceKind.Boolean ? "" : $"=[{ValueName}]");

    /// <summary>Parses a raw value; returns the error sentence (without the name) or null.</summary>
    public string? Check(string raw) => Kind switch
    {
        FenceKind.Integer => CheckInteger(raw),
        // A secret is never quoted, not even in part.
        _ when MaxBytes is { } max && FenceOption.ByteCount(raw) > max => $"{(Secret ? "the value" : Quote(raw))} is longer than {max} bytes",
        FenceKind.Seconds => ParseSeconds(raw) is null ? $"{Quote(raw)} is not a number of seconds" : null,
        FenceKind.Boolean => ParseBool(raw) is null ? $"{Quote(raw)} is not a boolean (use 1 or 0)" : null,
        FenceKind.Select => Choices.Contains(raw, StringComparer.Ordinal) ? null : $"{Quote(raw)} is not one of {string.Join(", ", Choices)}",
        // Refused here, before any lookup: the resolver's answer to "1.2.3.4 5.6.7.8" or a
        // megabyte of text is an exception, not a clean "no such host".
        FenceKind.Host => raw.Length == 0 || Sys.Tcp.IsHostOrAddress(raw) ? null : $"{Quote(raw)} is neither an IP address nor a host name",
        _ => null,
    };

    private string? CheckInteger(string raw)
    {
        if (!long.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return $"{Quote(raw)} is not an integer";
        return Range is { } r && (n < r.Min || n > r.Max) ? $"{n} is not {RangeNoun}" : null;
    }

    /// <summary>A value as an error quotes it: at most 64 characters, control characters escaped.</summary>
    private static string Quote(string raw) => $"'{Sys.ErrorText.Printable(raw.Length > 64 ? raw[..61] + "..." : raw)}'";

    /// <summary>fence-agents booleans: 1/0, on/off, yes/no, true/false; an empty value (a bare flag) is true.</summary>
    public static bool? ParseBool(string raw) => raw.Trim().ToLowerInvariant() switch
    {
        "" or "1" or "yes" or "true" or "on" => true,
        "0" or "no" or "false" or "off" => false,
        _ => null,
    };

    /// <summary>Seconds as fence-agents take them: a non-negative decimal number.</summary>
    public static TimeSpan? ParseSeconds(string raw) =>
        double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && v < 86400
            ? TimeSpan.FromSeconds(v) : null;
}

/// <summary>
/// Parsed fence options by canonical name, read by handle (<see cref="FenceOption{T}"/>). Aliases
/// are folded into the main name when set; a value given under both names must agree, or it is an
/// error (which one did the admin mean?). Only checked values are kept, so a read cannot fail.
/// </summary>
public sealed class FenceOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly List<FenceParameter> _declared;
    public List<string> Errors { get; } = [];
    public List<string> Ignored { get; } = [];

    private readonly IReadOnlyDictionary<string, string> _defaults;

    /// <param name="defaults">Defaults of this program name that differ from the declarations' (fence_ipmilanplus: lanplus=1).</param>
    public FenceOptions(IEnumerable<IFenceOption> declared, IReadOnlyDictionary<string, string>? defaults = null)
    {
        _declared = declared.Select(o => o.Declaration).ToList();
        _defaults = defaults ?? new Dictionary<string, string>();
    }

    /// <summary>The options given that are accepted only for compatibility, and why each does nothing.</summary>
    public IEnumerable<(string Name, string Why)> GivenButIgnored =>
        _declared.Where(p => p.IgnoredBecause is not null && _values.ContainsKey(p.Name)).Select(p => (p.Name, p.IgnoredBecause!));

    public FenceParameter? Find(string key) =>
        _declared.FirstOrDefault(p => p.Name == key || p.Aliases.Contains(key, StringComparer.Ordinal));

    public void Set(IFenceOption option, string value) => Set(option.Declaration.Name, value);

    public void Set(string key, string value)
    {
        var p = Find(key);
        if (p is null) { Ignored.Add(key); return; }
        if (p.Check(value) is { } error)
        {
            Errors.Add($"parameter {p.Name}: {error}");
            return;
        }
        if (_values.TryGetValue(p.Name, out var previous) && previous != value && key != p.Name)
        {
            Errors.Add($"parameter {p.Name} is given twice with different values (as {p.Name} and as {key})");
            return;
        }
        _values[p.Name] = value;
    }

    public bool IsGiven(IFenceOption option) => _values.ContainsKey(option.Declaration.Name);

    /// <summary>The value given, else the declared default, else the type's "not set" ("", false).</summary>
    public T Get<T>(FenceOption<T> option) => option.Read(_values.GetValueOrDefault(option.Name) ?? _defaults.GetValueOrDefault(option.Name));

    /// <summary>Required parameters that are missing, as errors.</summary>
    public void CheckRequired()
    {
        foreach (var p in _declared.Where(p => p.Required && (_values.GetValueOrDefault(p.Name) ?? _defaults.GetValueOrDefault(p.Name) ?? p.Default) is not { Length: > 0 }))
            Errors.Add($"parameter {p.Name} is required");
    }
}

/// <summary>A configuration problem the admin must fix; exit 1 with the sentence.</summary>
public sealed class FenceConfigException(string message) : Exception(message);
