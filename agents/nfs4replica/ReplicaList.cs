using System.Net;
using System.Net.NetworkInformation;

namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>One fs_locations entry: a path served by one or more servers (each by IP address).</summary>
public sealed record ReplicaLocation(string? Path, IReadOnlyList<IPAddress> Servers);

/// <summary>
/// The replica list of an export, as the `replicas` parameter gives it: locations separated by
/// spaces or commas (a path cannot hold a comma: exportfs options are comma-separated), each "IP", "IP+IP" or "/path@IP[+IP]" (path defaults to the exported directory), this
/// server first. Only IPv4: the syntax separates locations with ':'. exportfs takes any text after replicas= (it accepts replicas=bogus), so the
/// syntax is checked here: servers are IP addresses (NFSv4 clients get fs_locations as given, and
/// a name they cannot resolve at failover time is no replica), paths absolute.
///
/// exportfs(8) syntax produced: replicas=/path@ip[+ip][:/path@ip[+ip]…]
/// </summary>
public static class ReplicaList
{
    public static (IReadOnlyList<ReplicaLocation>? List, string? Error) Parse(string text)
    {
        var list = new List<ReplicaLocation>();
        foreach (var entry in text.Split([' ', '\t', '\n', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            var at = entry.LastIndexOf('@');
            string? path = at >= 0 ? entry[..at] : null;
            if (path is not null && (!path.StartsWith('/') || path.Contains(':') || path.Contains('@')))
                return (null, $"replica '{entry}': the path before @ must be absolute and hold no ':' or '@'");
            var servers = new List<IPAddress>();
            foreach (var host in (at >= 0 ? entry[(at + 1)..] : entry).Split('+'))
            {
                // Dotted IPv4 only: exportfs separates locations with ':', so an IPv6 address cannot be written.
                var parts = host.Split('.');
                if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)) || !IPAddress.TryParse(host, out var ip))
                    return (null, $"replica host '{host}' is not an IPv4 address (list servers by address: clients fail over without name service)");
                servers.Add(ip);
            }
            list.Add(new ReplicaLocation(path, servers));
        }
        return (list, null);
    }

    /// <summary>The replicas= option value for an export of <paramref name="directory"/>.</summary>
    public static string Option(IReadOnlyList<ReplicaLocation> list, string directory) =>
        string.Join(':', list.Select(l => $"{l.Path ?? directory}@{string.Join('+', l.Servers)}"));

    /// <summary>This node's addresses (all interfaces, up or not: a service address may be added later by IPaddr2).</summary>
    public static HashSet<IPAddress> LocalAddresses()
    {
        var set = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var a in nic.GetIPProperties().UnicastAddresses) set.Add(a.Address);
        }
        catch (NetworkInformationException) { }
        return set;
    }
}
