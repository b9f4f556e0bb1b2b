using OcfAgents.Ocf;

namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>
/// ocf:xcat:nfs4replica — an NFSv4 export of a service node that advertises its replica on the
/// partner service node (the seed's AIX design, on Linux).
///
/// | condition                                                                   | code | actions         |
/// |-----------------------------------------------------------------------------|------|-----------------|
/// | replica host not an IPv4 address; replicas= / refer= / fsid= inside options | 6    | all             |
/// | replicas with backend=ganesha (Ganesha 4.3 cannot advertise them)           | 6    | all but stop    |
/// | directory missing on this node (5 bans this node only, not the cluster)     | 5    | start, validate |
/// | no address of this node in replicas (it runs on the wrong node)             | 5    | start, validate |
/// | exportfs missing                                                            | 5    | start, validate |
/// | backend=ganesha without export_id                                           | 6    | start, validate |
/// | ganesha: D-Bus unreachable; Ganesha not running (start); Export_Id taken    | 1    | start (monitor: bus only) |
/// | exported with other options than ours (drift), or by another client spec    | 1    | monitor         |
/// | not exported                                                                | 7    | monitor         |
/// | sync_paths without a partner; ssh_key/known_hosts with white space           | 6    | all             |
/// | rsync or ssh missing; ssh_key unreadable                                    | 5    | start, validate |
/// | sync fails on migrate_to (partner unreachable, rsync error)                 | 1    | migrate_to      |
/// | sync fails on stop                                                          | 0 (logged) | stop      |
///
/// A migration (allow-migrate, `crm_resource --move`) is a handover without an outage for NFSv4.1+
/// clients. Pacemaker runs migrate_to here, migrate_from on the target, then stop here:
///
/// | step                  | what this node does                                                     |
/// |-----------------------|-------------------------------------------------------------------------|
/// | migrate_to (source)   | final sync; records the handover; keeps serving                         |
/// | migrate_from (target) | exports (its own address first in replicas): ready before anyone is sent |
/// | stop (source)         | re-exports with refer= to the partner: every request gets NFS4ERR_MOVED |
/// |                       | and the client re-homes; expires each moved client's state here; waits   |
/// |                       | until no client has spoken here for 5 s (or handover_wait), then unexports |
///
/// A handover needs `insecure` in options: a re-homed client connects to the target from an
/// unprivileged port, which a `secure` export refuses (NFS4ERR_PERM). Without it, without a
/// partner in replicas, or with backend=ganesha, migrate_to is a stop (logged).
/// </summary>
public sealed class Nfs4ReplicaAgent : ResourceAgent<Nfs4ReplicaConfig>
{
    public static readonly Parameter<string> Backend = Param.Choice("backend", "NFS server",
        "kernel: the kernel NFS server, through exportfs (advertises replicas). ganesha: NFS-Ganesha, through its D-Bus " +
        "export manager (Ganesha 4.3 cannot advertise replicas).", ["kernel", "ganesha"], "kernel");

    public static readonly Parameter<string> Directory = Param.AbsolutePath("directory", "Directory to export",
        "The directory, e.g. /install. It is exported by its real path (symlinks resolved): exportfs can export a " +
        "symlinked path but not unexport it by that path, and Ganesha refuses one.", required: true);

    public static readonly Parameter<string> ClientSpec = Param.String("clientspec", "Who may mount",
        "exportfs's client specification: *, a host, a network (10.0.0.0/16) or @netgroup.", @default: "*");

    public static readonly Parameter<string> Options = Param.String("options", "Export options",
        "Comma-separated exportfs options without fsid and replicas (they have their own parameters), e.g. " +
        "ro,no_subtree_check,no_root_squash. A migration hands clients over only with insecure: a re-homed Linux client " +
        "reaches the partner from a port above 1023 (any local user's port can then reach the export).", @default: "ro,no_subtree_check");

    public static readonly Parameter<string> Fsid = Param.String("fsid", "fsid of the export",
        "exportfs's fsid= (a number, or 'root' for the NFSv4 pseudo root); keeps file handles the same on both servers.");

    public static readonly Parameter<string> Replicas = Param.String("replicas", "Replica locations",
        "Locations (separated by spaces or commas) this export advertises to NFSv4 clients (fs_locations): each " +
        "'IP', 'IP+IP' or '/path@IP' (path defaults to directory). Example for SN1 at 10.0.0.11 with partner 10.0.0.12: " +
        "'10.0.0.11 10.0.0.12'. Becomes exportfs's replicas=/install@10.0.0.11:/install@10.0.0.12. The node's own location is " +
        "advertised first wherever it is listed, so one list serves both service nodes (a clone, a migration). Clients that act on " +
        "fs_locations (AIX) move to a listed replica; a Linux client uses them only when the server answers NFS4ERR_MOVED, " +
        "never on a timeout: for Linux clients mount a floating address that moves with the service (see the README).");

    public static readonly Parameter<long> LeaseWait = Param.Integer("lease_wait", "Seconds to wait after unexporting",
        "stop waits this long after unexporting (the NFSv4 lease time, 90 s by default in the kernel) before the storage " +
        "goes away, for clients that move to a replica on their own (AIX); a Linux client does not move, its reads fail " +
        "once the export is gone. 0: no wait.", 0, 0, 3600);

    public static readonly Parameter<long> HandoverWait = Param.Integer("handover_wait", "Seconds a handover refers clients to the partner",
        "On the stop that ends a migration, this node exports the directory as a referral to the partner (refer=): an " +
        "NFSv4.1+ client re-homes there on its next request. The referral stays until no client has spoken to this " +
        "server for 5 s, or this many seconds, then goes. A client that does not touch the export meanwhile does not " +
        "re-home, and its next read after that fails. NFSv4.0 clients do not re-home: mount with vers=4.1 or later.", 60, 0, 3600);

    public static readonly Parameter<long> ExportId = Param.Integer("export_id", "Ganesha Export_Id",
        "backend=ganesha: the export's Export_Id (1-65535), unique among Ganesha's exports; required there.", 0, 0, 65535);

    public static readonly Parameter<string> Pseudo = Param.AbsolutePath("pseudo", "Ganesha pseudo path",
        "backend=ganesha: where the export appears in the NFSv4 pseudo filesystem (clients mount SERVER:PSEUDO). " +
        "Unset: the real path of directory.");

    public static readonly Parameter<string> DbusAddress = Param.String("dbus_address", "D-Bus system bus address",
        "backend=ganesha: the bus Ganesha's export manager is on, e.g. unix:path=/run/dbus/system_bus_socket. Unset: " +
        "DBUS_SYSTEM_BUS_ADDRESS, else the system bus.");

    public static readonly Parameter<string[]> SyncPaths = Param.PathList("sync_paths", "Read-write paths kept in sync on the partner",
        "Space-separated directories (statelite persistent files, paging) pushed to the partner with rsync over ssh on " +
        "migrate_to (the final sync of a handover; its failure fails the migration) and on stop (best effort). Unset: no sync.");

    public static readonly Parameter<string> SyncPartner = Param.String("sync_partner", "Partner to push to",
        "Host or address of the partner service node. Unset: the first server of the second replicas location.");

    public static readonly Parameter<string> SyncUser = Param.String("sync_user", "ssh user on the partner", "", @default: "root");

    public static readonly Parameter<string> SshKey = Param.AbsolutePath("ssh_key", "ssh private key",
        "The key that logs in to the partner (no password authentication is ever tried).", @default: "/root/.ssh/id_ed25519");

    public static readonly Parameter<string> KnownHosts = Param.AbsolutePath("known_hosts", "ssh known_hosts",
        "The partner's host key must be in it (StrictHostKeyChecking=yes).", @default: "/root/.ssh/known_hosts");

    public static readonly Parameter<long> SshPort = Param.Integer("ssh_port", "ssh port of the partner", "", 22, 1, 65535);

    public static readonly Parameter<string> SyncRemotePrefix = Param.String("sync_remote_prefix", "Prefix of the paths on the partner",
        "Prepended to each sync path on the partner, when it keeps the copies elsewhere (e.g. /backup). Unset: the same paths.");

    public static readonly Parameter<bool> SyncDelete = Param.Boolean("sync_delete", "Delete on the partner what is gone here",
        "rsync --delete: files removed here are removed on the partner too. Off by default: nothing on the partner is deleted.", false);

    public static readonly Parameter<string> StateDir = Param.StateDir("nfs4replica",
        "A directory on tmpfs: the real path exported at start, so that stop unexports it even when the directory " +
        "(or the link to it) has gone.");

    public override string Name => "nfs4replica";
    public override string ShortDesc => "NFSv4 export that advertises its replica on the partner service node";
    public override string LongDesc =>
        "Exports a directory over NFSv4 with a replica list (fs_locations) naming this server first, then its partner, " +
        "so that clients that act on fs_locations (AIX) can fail over to the partner without a reboot; Linux clients need " +
        "a floating address instead (see the README). A migration (allow-migrate, crm_resource --move) hands NFSv4.1+ " +
        "clients over to the partner with a referral (refer=), without a failed read. Backend kernel: exportfs with exactly the options " +
        "given, checked at monitor against exportfs's table, /var/lib/nfs/etab (a changed option set is a failure, not running). Backend ganesha: " +
        "NFS-Ganesha's D-Bus export manager.";
    public override IReadOnlyList<Parameter> Parameters => [Backend, Directory, ClientSpec, Options, Fsid, Replicas, LeaseWait, HandoverWait, ExportId, Pseudo, DbusAddress,
         SyncPaths, SyncPartner, SyncUser, SshKey, KnownHosts, SshPort, SyncRemotePrefix, SyncDelete, StateDir];
    public override bool SupportsMigration => true;
    public override IReadOnlyList<ExitCase> ExitCodes =>
    [
        new(OcfExit.Success, "the directory is exported with its replicas (fs_locations)"),
        new(OcfExit.Generic, "the export, the sync or the unexport failed or did not finish in time"),
        new(OcfExit.NotInstalled, "the directory, exportfs (kernel) or rsync and ssh (sync_paths) are missing on this node, or no address of this node is in replicas"),
        new(OcfExit.NotConfigured, "the parameters contradict each other (replicas with Ganesha, sync_paths without a partner)"),
        new(OcfExit.NotRunning, "the directory is not exported here"),
    ];
    public override IReadOnlyList<string> SeeAlso => ["exportfs(8)", "exports(5)", "ganesha-export-config(8)", "ocf_heartbeat_exportfs(7)"];

    public override Configured<Nfs4ReplicaConfig> Configure(ParameterValues v) => Nfs4ReplicaConfig.From(v);

    private static IExport Export(OcfContext ctx, Nfs4ReplicaConfig c) => c.Backend == "ganesha"
        ? new GaneshaExport(c, ctx.Log, ctx.Instance ?? "nfs4replica")
        : new KernelExport(c, ctx.Log, ctx.Instance ?? "nfs4replica");

    public override OcfResult Monitor(OcfContext ctx, Nfs4ReplicaConfig config) => Export(ctx, config).Monitor(ctx.Deadline);

    /// <summary>An active export must still list this node (the host skips this when it is not exported).</summary>
    public override OcfResult? CheckWhileActive(OcfContext ctx, Nfs4ReplicaConfig config) => config.CheckSelfListed();

    public override OcfResult Start(OcfContext ctx, Nfs4ReplicaConfig config)
    {
        if ((config.CheckSelfListed() ?? config.CheckSyncTools()) is { } wrong) return wrong;
        var export = Export(ctx, config);
        return export.Preflight() is { IsSuccess: false } bad ? bad : export.Export(ctx.Deadline);
    }

    /// <summary>migrate_to: the final sync and the handover record; the export keeps serving until the stop after migrate_from.</summary>
    public override OcfResult? HandOver(OcfContext ctx, Nfs4ReplicaConfig config)
    {
        var why = config.Backend != "kernel" ? "backend=ganesha cannot refer clients elsewhere"
            : config.Partners().Count == 0 ? "replicas lists no partner to refer clients to"
            : !config.Options.Contains("insecure") ? "options lacks insecure, and a secure export on the partner refuses re-homed clients (NFS4ERR_PERM)"
            : null;
        if (why is not null)
        {
            ctx.Log.Warn($"no handover: {why}; migrate_to stops the export and its clients' reads fail");
            return null;
        }
        var export = new KernelExport(config, ctx.Log, ctx.Instance ?? "nfs4replica");
        if (!export.Monitor(ctx.Deadline).IsSuccess) return null;
        if (config.Sync is { } sync && new RwSync(sync, ctx.Log).Push(ctx.Deadline, "migrate_to") is { IsSuccess: false } failed) return failed;
        export.RecordHandover();
        return OcfResult.Success;
    }

    public override OcfResult Stop(OcfContext ctx, Nfs4ReplicaConfig config)
    {
        var export = Export(ctx, config);
        // The stop after a handover: migrate_to made the final sync, and the partner serves already.
        if (export is KernelExport { HandoverPending: true } kernel) return kernel.ReferAndUnexport(ctx.Deadline);
        if (config.Sync is { } sync)
        {
            // The final sync comes before the unexport; it gets two thirds of the time at most.
            var handover = ctx.Action == "migrate_to";
            var pushed = new RwSync(sync, ctx.Log).Push(Sys.Deadline.After(ctx.Deadline.Remaining * 2 / 3), handover ? "migrate_to" : "stop");
            if (!pushed.IsSuccess)
            {
                if (handover) return pushed;
                ctx.Log.Warn($"{pushed.Reason}; stopping anyway");
            }
        }
        return export.Unexport(ctx.Deadline);
    }

    public override OcfResult Validate(OcfContext ctx, Nfs4ReplicaConfig config) =>
        config.CheckSelfListed() ?? config.CheckSyncTools() ?? Export(ctx, config).Preflight();
}

/// <summary>What a backend does for the agent.</summary>
public interface IExport
{
    OcfResult Monitor(Sys.Deadline deadline);
    OcfResult Export(Sys.Deadline deadline);
    OcfResult Unexport(Sys.Deadline deadline);
    OcfResult Preflight();
}
