namespace OcfAgents.Ocf;

/// <summary>Parameters bound from OCF_RESKEY_* and parsed to their declared types.</summary>
public sealed class ParameterValues
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _given = new(StringComparer.Ordinal);

    /// <summary>One line per problem, each "parameter NAME: what is wrong".</summary>
    public IReadOnlyList<string> Errors { get; }

    private ParameterValues(List<string> errors) => Errors = errors;

    public static ParameterValues Bind(IEnumerable<Parameter> declared, IReadOnlyDictionary<string, string> env)
    {
        var errors = new List<string>();
        var values = new ParameterValues(errors);
        foreach (var p in declared)
        {
            var given = env.TryGetValue(p.EnvironmentName, out var raw) && raw.Length > 0;
            if (given) values._given.Add(p.Name);
            var text = given ? raw : p.Default;
            if (text is null)
            {
                if (p.Required) errors.Add($"parameter {p.Name} is required but not set");
                values._values[p.Name] = null;
                continue;
            }
            var error = p.TryParse(text!, out var value);
            if (error is not null)
                errors.Add(p.Secret ? $"parameter {p.Name}: invalid value" : $"parameter {p.Name}: {error}");
            values._values[p.Name] = error is null ? value : null;
        }
        return values;
    }

    public bool IsValid => Errors.Count == 0;

    /// <summary>True when the user set the parameter (as opposed to its default applying).</summary>
    public bool IsGiven(Parameter p) => _given.Contains(p.Name);

    public T Get<T>(Parameter<T> p) =>
        _values.TryGetValue(p.Name, out var v) && v is T t ? t
        : throw new InvalidOperationException($"parameter {p.Name} has no valid value");

    public T? GetOrDefault<T>(Parameter<T> p) => _values.TryGetValue(p.Name, out var v) && v is T t ? t : default;
}
