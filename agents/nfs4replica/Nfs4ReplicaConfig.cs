using System.Net;
using OcfAgents.Ocf;

namespace OcfAgents.Agents.Nfs4Replica;

public sealed record Nfs4ReplicaConfig
{
    public required string Backend { get; init; }
    public required string Directory { get; init; }
    public required string ClientSpec { get; init; }
    public required IReadOnlyList<string> Options { get; init; }
    public string? Fsid { get; init; }
    public required IReadOnlyList<ReplicaLocation> Replicas { get; init; }
    public required TimeSpan LeaseWait { get; init; }
    public required TimeSpan HandoverWait { get; init; }
    public required string StateDir { get; init; }
    public required int ExportId { get; init; }
    public string? Pseudo { get; init; }
    public string? DbusAddress { get; init; }
    public SyncSettings? Sync { get; init; }

    /// <summary>Checks that need only the parameters; each failure is "not configured" (6).</summary>
    public static Configured<Nfs4ReplicaConfig> From(ParameterValues v)
    {
        var options = v.Get(Nfs4ReplicaAgent.Options).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var o in options)
        {
            var name = o.Split('=')[0];
            if (name is "replicas" or "refer" or "fsid")
                return Configured<Nfs4ReplicaConfig>.Invalid(name == "refer"
                    ? "options has refer=, which exportfs silently drops when replicas= is given (the last wins); advertise locations through replicas"
                    : $"options has {name}=; use the {name} parameter");
            if (o.Any(char.IsWhiteSpace) || o.Contains('(') || o.Contains(')'))
                return Configured<Nfs4ReplicaConfig>.Invalid($"options entry '{o}' is not an exportfs option");
        }
        var client = v.Get(Nfs4ReplicaAgent.ClientSpec).Trim();
        if (client.Length == 0 || client.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or ':'))
            return Configured<Nfs4ReplicaConfig>.Invalid($"clientspec '{client}' is not an exportfs client specification");
        var (replicas, error) = ReplicaList.Parse(v.GetOrDefault(Nfs4ReplicaAgent.Replicas) ?? "");
        if (error is not null) return Configured<Nfs4ReplicaConfig>.Invalid(error);
        var backend = v.Get(Nfs4ReplicaAgent.Backend);
        if (backend == "ganesha" && replicas!.Count > 0)
            return Configured<Nfs4ReplicaConfig>.Invalid("replicas cannot be advertised with backend=ganesha: NFS-Ganesha 4.3 has no fs_locations for exports; use backend=kernel, or drop replicas");
        SyncSettings? sync = null;
        if (v.GetOrDefault(Nfs4ReplicaAgent.SyncPaths) is { Length: > 0 } syncPaths)
        {
            var partner = v.GetOrDefault(Nfs4ReplicaAgent.SyncPartner) is { Length: > 0 } given ? given.Trim()
                : replicas!.Count > 1 ? replicas[1].Servers[0].ToString() : null;
            if (partner is null || partner.Any(char.IsWhiteSpace) || partner.StartsWith('-'))
                return Configured<Nfs4ReplicaConfig>.Invalid("sync_paths needs a partner: set sync_partner, or list the partner second in replicas");
            var key = v.Get(Nfs4ReplicaAgent.SshKey);
            var knownHosts = v.Get(Nfs4ReplicaAgent.KnownHosts);
            if (key.Any(char.IsWhiteSpace) || knownHosts.Any(char.IsWhiteSpace))
                return Configured<Nfs4ReplicaConfig>.Invalid("ssh_key and known_hosts must not contain white space (rsync splits its ssh command at spaces)");
            var user = v.Get(Nfs4ReplicaAgent.SyncUser).Trim();
            if (user.Length == 0 || user.Any(c => char.IsWhiteSpace(c) || c is '@' or ':') || user.StartsWith('-'))
                return Configured<Nfs4ReplicaConfig>.Invalid($"sync_user '{user}' is not a user name");
            var prefix = v.GetOrDefault(Nfs4ReplicaAgent.SyncRemotePrefix) ?? "";
            if (prefix.Length > 0 && Param.CheckAbsolute(prefix) is { } pe) return Configured<Nfs4ReplicaConfig>.Invalid($"sync_remote_prefix: {pe}");
            sync = new SyncSettings(syncPaths, partner, user, key, knownHosts, (int)v.Get(Nfs4ReplicaAgent.SshPort),
                prefix.TrimEnd('/'), v.Get(Nfs4ReplicaAgent.SyncDelete));
        }
        return new Nfs4ReplicaConfig
        {
            Sync = sync,
            Backend = backend,
            Directory = v.Get(Nfs4ReplicaAgent.Directory),
            ClientSpec = client,
            Options = options,
            Fsid = v.GetOrDefault(Nfs4ReplicaAgent.Fsid) is { Length: > 0 } f ? f : null,
            Replicas = replicas!,
            LeaseWait = TimeSpan.FromSeconds(v.Get(Nfs4ReplicaAgent.LeaseWait)),
            HandoverWait = TimeSpan.FromSeconds(v.Get(Nfs4ReplicaAgent.HandoverWait)),
            StateDir = v.Get(Nfs4ReplicaAgent.StateDir),
            ExportId = (int)v.Get(Nfs4ReplicaAgent.ExportId),
            Pseudo = v.GetOrDefault(Nfs4ReplicaAgent.Pseudo),
            DbusAddress = v.GetOrDefault(Nfs4ReplicaAgent.DbusAddress) is { Length: > 0 } d ? d : null,
        };
    }

    /// <summary>rsync and ssh installed, the key readable: a node without them cannot sync (5, this node).</summary>
    public OcfResult? CheckSyncTools()
    {
        if (Sync is not { } s) return null;
        foreach (var tool in new[] { "rsync", "ssh" })
            if (!Sys.PathText.OnPath(tool)) return OcfResult.Fail(OcfExit.NotInstalled, $"{tool} is not installed; sync_paths needs rsync and OpenSSH's client");
        if (Sys.AtomicFs.ReadableError(s.Key) is { } why) return OcfResult.Fail(OcfExit.NotInstalled, $"ssh_key {s.Key} is unreadable: {why}");
        return null;
    }

    /// <summary>
    /// The replica list must name this server: none of this node's addresses in it means the
    /// resource runs on the wrong node (5, this node only). Where it is listed does not matter:
    /// what is advertised puts this server first (<see cref="Advertised"/>), so one list serves a
    /// clone on both service nodes and an export that migrates between them.
    /// </summary>
    public OcfResult? CheckSelfListed()
    {
        if (Replicas.Count == 0 || Replicas.Any(Here)) return null;
        return OcfResult.Fail(OcfExit.NotInstalled, $"self missing from replicas: no address of this node is in '{string.Join(' ', Replicas.SelectMany(l => l.Servers))}'; run this export on a server it lists");
    }

    /// <summary>
    /// The locations as this node advertises them: its own first (clients try them in order),
    /// then the others in the order given.
    /// </summary>
    public IReadOnlyList<ReplicaLocation> Advertised() => [.. Replicas.Where(Here), .. Partners()];

    /// <summary>The locations on other servers: where a handover refers clients to.</summary>
    public IReadOnlyList<ReplicaLocation> Partners() => [.. Replicas.Where(l => !Here(l))];

    // This node's addresses, read once per action: a monitor checks the list and builds the
    // advertised option from it, and listing the interfaces is the costly part.
    private HashSet<IPAddress>? _mine;
    private bool Here(ReplicaLocation location) => location.Servers.Any((_mine ??= ReplicaList.LocalAddresses()).Contains);
}
