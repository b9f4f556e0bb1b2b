using System.Text;
using OcfAgents.Sys;

namespace OcfAgents.Xcat;

/// <summary>The database engines xCAT supports.</summary>
public enum XcatDbEngine { Sqlite, Postgresql, Mysql }

/// <summary>
/// /etc/xcat/cfgloc: where xCAT's tables live when they are not SQLite files. One line,
/// <code>
/// Pg:dbname=xcatdb;host=10.0.0.1|xcatadm|PASSWORD        (PostgreSQL)
/// mysql:dbname=xcatdb;host=10.0.0.1|xcatadmin|PASSWORD   (MariaDB/MySQL)
/// </code>
/// i.e. DBI driver ':' DSN '|' user '|' password; the DSN is ';'-separated key=value pairs
/// (dbname, host, port). xCAT splits on '|' too, but everything after the second '|' is taken
/// as the password here, so a password containing '|' survives. No cfgloc at all means SQLite
/// (one file per table in /etc/xcat).
/// </summary>
public sealed class Cfgloc
{
    public XcatDbEngine Engine { get; }
    public IReadOnlyDictionary<string, string> Dsn { get; }
    public string User { get; }
    /// <summary>Bytes, so that it never becomes a string that could reach a log by accident.</summary>
    public byte[] Password { get; }

    public string? Database => Dsn.GetValueOrDefault("dbname") ?? Dsn.GetValueOrDefault("database");
    public string? Host => Dsn.GetValueOrDefault("host");
    public int? Port => Dsn.TryGetValue("port", out var p) && int.TryParse(p, out var n) ? n : null;

    private Cfgloc(XcatDbEngine engine, Dictionary<string, string> dsn, string user, byte[] password)
    {
        Engine = engine; Dsn = dsn; User = user; Password = password;
    }

    public static string EngineName(XcatDbEngine e) => e switch
    {
        XcatDbEngine.Postgresql => "postgresql",
        XcatDbEngine.Mysql => "mysql",
        _ => "sqlite",
    };

    /// <summary>What the cfgloc at <paramref name="path"/> says; a problem is a sentence naming the path (never the password).</summary>
    public readonly record struct Reading(bool Exists, Cfgloc? Value, string? Problem);

    public static Reading Read(string path)
    {
        byte[] raw;
        try
        {
            if (!File.Exists(path)) return new Reading(false, null, Directory.Exists(path) ? $"cfgloc {path} is a directory" : null);
            raw = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Reading(true, null, $"cannot read cfgloc {path}: {ErrorText.Describe(e)}");
        }
        try { return Parse(raw, path); }
        finally { Array.Clear(raw); }
    }

    public static Reading Parse(ReadOnlySpan<byte> raw, string path)
    {
        if (raw.Length > 4096) return new Reading(true, null, $"cfgloc {path} is {raw.Length} bytes; it holds one line");
        var text = raw;
        while (text.Length > 0 && text[^1] is (byte)'\n' or (byte)'\r' or (byte)' ') text = text[..^1];
        if (text.IndexOf((byte)'\n') >= 0) return new Reading(true, null, $"cfgloc {path} has more than one line");
        var colon = text.IndexOf((byte)':');
        var bar1 = text.IndexOf((byte)'|');
        if (colon <= 0 || bar1 < 0 || colon > bar1)
            return new Reading(true, null, $"cfgloc {path} is not DRIVER:DSN|USER|PASSWORD");
        var driver = Encoding.UTF8.GetString(text[..colon]);
        XcatDbEngine engine;
        switch (driver)
        {
            case "Pg": engine = XcatDbEngine.Postgresql; break;
            case "mysql": engine = XcatDbEngine.Mysql; break;
            default: return new Reading(true, null, $"cfgloc {path} names driver '{driver}', not Pg or mysql");
        }
        var afterUser = text[(bar1 + 1)..];
        var bar2 = afterUser.IndexOf((byte)'|');
        if (bar2 < 0) return new Reading(true, null, $"cfgloc {path} has no password field (DRIVER:DSN|USER|PASSWORD)");
        var dsnText = Encoding.UTF8.GetString(text[(colon + 1)..bar1]);
        var user = Encoding.UTF8.GetString(afterUser[..bar2]);
        if (user.Length == 0) return new Reading(true, null, $"cfgloc {path} has an empty user name");
        var dsn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in dsnText.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return new Reading(true, null, $"cfgloc {path}: DSN part '{part}' is not key=value");
            dsn[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        var cfg = new Cfgloc(engine, dsn, user, afterUser[(bar2 + 1)..].ToArray());
        if (cfg.Database is null) return new Reading(true, null, $"cfgloc {path}: the DSN names no dbname");
        if (dsn.TryGetValue("port", out var port) && cfg.Port is not (> 0 and < 65536))
            return new Reading(true, null, $"cfgloc {path}: port '{port}' is not a TCP port");
        return new Reading(true, cfg, null);
    }
}
