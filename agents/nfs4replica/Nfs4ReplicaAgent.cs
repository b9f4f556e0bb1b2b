using OcfAgents.Ocf;

namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>
/// ocf:xcat:nfs4replica — an NFSv4 export of a service node that advertises its replica on the
/// partner service node (the seed's AIX design, on Linux).
///
/// | condition                                                                   | code | actions         |
/// |-----------------------------------------------------------------------------|------|-----------------|
/// | replica host not an IPv4 address; replicas= / refer= / fsid= inside options | 6    | all             |
/// | this node's address present in replicas but not first                       | 6    | all but stop    |
/// | replicas with backend=ganesha (Ganesha 4.3 cannot advertise them)           | 6    | all but stop    |
/// | directory missing on this node (5 bans this node only, not the cluster)     | 5    | start, validate |
/// | no address of this node in replicas (it runs on the wrong node)             | 5    | start, validate |
/// | exportfs missing                                                            | 5    | start, validate |
/// | backend=ganesha without export_id                                           | 6    | start, validate |
/// | ganesha: D-Bus unreachable; Ganesha not running (start); Export_Id taken    | 1    | start (monitor: bus only) |
/// | exported with other options than ours (drift), or by another client spec    | 1    | monitor         |
/// | not exported                                                                | 7    | monitor         |
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
        "ro,no_subtree_check,no_root_squash.", @default: "ro,no_subtree_check");

    public static readonly Parameter<string> Fsid = Param.String("fsid", "fsid of the export",
        "exportfs's fsid= (a number, or 'root' for the NFSv4 pseudo root); keeps file handles the same on both servers.");

    public static readonly Parameter<string> Replicas = Param.String("replicas", "Replica locations",
        "Space-separated locations this export advertises to NFSv4 clients (fs_locations), this server first: each " +
        "'IP', 'IP+IP' or '/path@IP' (path defaults to directory). Example for SN1 at 10.0.0.11 with partner 10.0.0.12: " +
        "'10.0.0.11 10.0.0.12'. Becomes exportfs's replicas=/install@10.0.0.11:/install@10.0.0.12.");

    public static readonly Parameter<long> LeaseWait = Param.Integer("lease_wait", "Seconds to wait after unexporting",
        "stop waits this long after unexporting (the NFSv4 lease time, 90 s by default in the kernel) so that clients " +
        "notice and move to a replica before the storage goes away; 0: no wait.", 0, 0, 3600);

    public static readonly Parameter<long> ExportId = Param.Integer("export_id", "Ganesha Export_Id",
        "backend=ganesha: the export's Export_Id (1-65535), unique among Ganesha's exports; required there.", 0, 0, 65535);

    public static readonly Parameter<string> Pseudo = Param.AbsolutePath("pseudo", "Ganesha pseudo path",
        "backend=ganesha: where the export appears in the NFSv4 pseudo filesystem (clients mount SERVER:PSEUDO). " +
        "Unset: the real path of directory.");

    public static readonly Parameter<string> DbusAddress = Param.String("dbus_address", "D-Bus system bus address",
        "backend=ganesha: the bus Ganesha's export manager is on, e.g. unix:path=/run/dbus/system_bus_socket. Unset: " +
        "DBUS_SYSTEM_BUS_ADDRESS, else the system bus.");

    public static readonly Parameter<string> StateDir = Param.AbsolutePath("state_dir", "Where this node's state is recorded",
        "A directory on tmpfs: the real path exported at start, so that stop unexports it even when the directory " +
        "(or the link to it) has gone.", @default: "/run/ocf-nfs4replica");

    public override string Name => "nfs4replica";
    public override string ShortDesc => "NFSv4 export that advertises its replica on the partner service node";
    public override string LongDesc =>
        "Exports a directory over NFSv4 with a replica list (fs_locations) naming this server first, then its partner, " +
        "so that clients fail over to the partner without a reboot. Backend kernel: exportfs with exactly the options " +
        "given, checked at monitor against exportfs -s (a changed option set is a failure, not running). Backend ganesha: " +
        "NFS-Ganesha's D-Bus export manager.";
    public override IReadOnlyList<Parameter> Parameters => [Backend, Directory, ClientSpec, Options, Fsid, Replicas, LeaseWait, ExportId, Pseudo, DbusAddress, StateDir];
    public override bool SupportsMigration => true;

    public override Configured<Nfs4ReplicaConfig> Configure(ParameterValues v) => Nfs4ReplicaConfig.From(v);

    private static IExport Export(OcfContext ctx, Nfs4ReplicaConfig c) => c.Backend == "ganesha"
        ? new GaneshaExport(c, ctx.Log, ctx.Instance ?? "nfs4replica")
        : new KernelExport(c, ctx.Log, ctx.Instance ?? "nfs4replica");

    public override OcfResult Monitor(OcfContext ctx, Nfs4ReplicaConfig config) =>
        config.CheckSelfOrder() ?? Export(ctx, config).Monitor(ctx.Deadline);

    public override OcfResult Start(OcfContext ctx, Nfs4ReplicaConfig config)
    {
        if (config.CheckSelfOrder() is { } wrong) return wrong;
        var export = Export(ctx, config);
        return export.Preflight() is { IsSuccess: false } bad ? bad : export.Export(ctx.Deadline);
    }

    public override OcfResult Stop(OcfContext ctx, Nfs4ReplicaConfig config) => Export(ctx, config).Unexport(ctx.Deadline);

    public override OcfResult Validate(OcfContext ctx, Nfs4ReplicaConfig config) =>
        config.CheckSelfOrder() ?? Export(ctx, config).Preflight();
}

/// <summary>What a backend does for the agent.</summary>
public interface IExport
{
    OcfResult Monitor(Sys.Deadline deadline);
    OcfResult Export(Sys.Deadline deadline);
    OcfResult Unexport(Sys.Deadline deadline);
    OcfResult Preflight();
}
