namespace OcfAgents.Sys;

/// <summary>systemd unit names, checked where a parameter declares one (the starting and stopping is OcfAgents.DBus.Systemd's).</summary>
public static class UnitName
{
    /// <summary>A unit name as systemd accepts it (letters, digits, "-_.@:\" and a type suffix); null when fine.</summary>
    public static string? Check(string v) =>
        v.Length == 0 || (v.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or ':' or '\\') && v.Contains('.'))
            ? null : $"'{v}' is not a unit name (like xcatd.service)";
}
