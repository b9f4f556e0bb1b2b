namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>One NFSv4 client of the kernel NFS server, as its info file shows it.</summary>
public sealed record NfsdClient(string Directory, string Address, int? MinorVersion, string? CallbackState, TimeSpan? SinceRenew);

/// <summary>
/// The kernel NFS server's NFSv4 clients: /proc/fs/nfsd/clients/ID/ (Linux 5.3+), one directory
/// per client it holds a lease for. `info` is "key: value" lines; those read here:
///
///   address: "10.0.0.50:725"            the client's address and port
///   minor version: 2                    NFSv4.0, 4.1 or 4.2
///   callback state: UP                  the back channel (6.0+): DOWN once a 4.1+ client destroyed its session
///   seconds from last renew: 3          since the client's last request (5.19+): every request renews the lease
///
/// Writing "expire" to `ctl` ends the client's lease and drops its state here at once.
/// </summary>
public static class NfsdClients
{
    public const string Root = "/proc/fs/nfsd/clients";

    /// <summary>The clients now; null when this kernel does not list them.</summary>
    public static IReadOnlyList<NfsdClient>? List()
    {
        var list = new List<NfsdClient>();
        try
        {
            foreach (var dir in System.IO.Directory.GetDirectories(Root))
            {
                string[] lines;
                // A client can go between listing and reading: it is simply gone.
                try { lines = File.ReadAllLines(Path.Combine(dir, "info")); }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { continue; }
                string? Field(string key) => lines.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))?[(key.Length + 1)..].Trim();
                int? Number(string key) => int.TryParse(Field(key), out var n) ? n : null;
                list.Add(new NfsdClient(dir, Field("address")?.Trim('"') ?? "?", Number("minor version"), Field("callback state"),
                    Number("seconds from last renew") is { } s ? TimeSpan.FromSeconds(s) : null));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        return list;
    }

    /// <summary>Ends the client's lease here; false when the kernel refused or the client was already gone.</summary>
    public static bool Expire(NfsdClient client)
    {
        try
        {
            File.WriteAllText(Path.Combine(client.Directory, "ctl"), "expire\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
