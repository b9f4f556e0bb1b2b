using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace OcfAgents.Sys;

/// <summary>
/// This process's environment as a read-only dictionary that looks a key up when asked
/// (getenv) and copies the whole environment only if something enumerates it. The agents ask for
/// a dozen known names (OCF_RESKEY_*, OCF_*, HA_*); Environment.GetEnvironmentVariables() would
/// build a Hashtable of every variable on every invocation, and hashing its first string key
/// seeds the randomised string hash from /dev/urandom.
/// </summary>
public sealed class ProcessEnvironment : IReadOnlyDictionary<string, string>
{
    private Dictionary<string, string>? _all;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        value = Environment.GetEnvironmentVariable(key);
        return value is not null;
    }

    public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    private Dictionary<string, string> All => _all ??= Snapshot();
    public int Count => All.Count;
    public IEnumerable<string> Keys => All.Keys;
    public IEnumerable<string> Values => All.Values;
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => All.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static Dictionary<string, string> Snapshot()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && e.Value is string v) env[k] = v;
        return env;
    }
}
