using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.SharedData;

/// <summary>
/// ocf:xcat:shareddata — the xCAT shared-data link set, activated all-or-nothing.
///
/// Exit codes for bad input and bad state (also in the README):
///
/// | condition                                                        | code | action     |
/// |------------------------------------------------------------------|------|------------|
/// | path relative, empty, with "..", listed twice, "/" or nested     | 6    | all        |
/// | a target (or the shared root) inside a link path; bad mapping    | 6    | all        |
/// | shared root missing, or not a mount point when one is required   | 5    | start/validate |
/// | parent directory of a link path missing                          | 5    | start/validate |
/// | target missing on the shared root (and create_targets=false)     | 5    | start/validate |
/// | real data at a path and its backup both present                  | 5    | start/validate |
/// | a path is a symlink somewhere else (not ours)                    | 5    | start/validate |
/// | permission denied while linking or moving                        | 4    | start/stop |
/// | some links active, some not; a target gone; root unmounted (10)  | 1    | monitor    |
/// </summary>
public sealed class SharedDataAgent : ResourceAgent<SharedDataConfig>
{
    public static readonly Parameter<string> SharedRoot = Param.AbsolutePath("shared_root",
        "Mount point of the shared storage",
        "Directory where the shared storage is mounted (for example /HA-data). Each path P in 'paths' " +
        "becomes a symlink to SHARED_ROOT/P.", required: true);

    public static readonly Parameter<string[]> Paths = Param.PathList("paths",
        "Paths to link to the shared storage",
        "Space-separated absolute paths that become symlinks into the shared root. The default is xCAT's " +
        "set for a PostgreSQL database; with MariaDB/MySQL use /var/lib/mysql instead of /var/lib/pgsql.",
        @default: "/install /etc/xcat /root/.xcat /var/lib/pgsql /tftpboot", unique: true);

    public static readonly Parameter<string> Mapping = Param.String("mapping",
        "Explicit targets for some paths",
        "Space-separated PATH=TARGET pairs overriding the default target SHARED_ROOT/PATH for a path listed " +
        "in 'paths'. Each TARGET must be an absolute path inside the shared root.");

    public static readonly Parameter<string> BackupSuffix = Param.String("backup_suffix",
        "Suffix for data moved aside",
        "A real file or directory found at a path on start is renamed to PATH+SUFFIX and restored on stop, " +
        "as xCAT's own HA scripts do. An existing backup is never overwritten.",
        @default: ".xcatbak", check: s => s.Contains('/') ? "must not contain '/'" : null);

    public static readonly Parameter<bool> RequireMountpoint = Param.Boolean("require_mountpoint",
        "Refuse to start unless the shared root is a mount point",
        "When true, start refuses if the shared root is not a mount point (the shared storage is not " +
        "mounted), and monitor depth 10 reports it.", @default: true);

    public static readonly Parameter<bool> CreateTargets = Param.Boolean("create_targets",
        "Create missing target directories",
        "When true, start creates a missing target directory on the shared root (mode 0755). Nothing is " +
        "ever copied: data moved aside stays in the backup.", @default: false);

    public override string Name => "shareddata";
    public override string ShortDesc => "Links xCAT's shared-data paths to the shared storage, all or nothing";
    public override string LongDesc =>
        "Activates the set of symlinks that puts an xCAT management node's state (/install, /etc/xcat, " +
        "/root/.xcat, the database directory, /tftpboot) on shared storage. Real data found at a path is " +
        "moved aside to a backup and restored on stop; an existing backup is never overwritten. If any link " +
        "cannot be made, everything done so far is undone. Replaces ocf:heartbeat:symlink (one resource for " +
        "the whole set) and xCAT's activate/deactivate link step.";
    public override IReadOnlyList<Parameter> Parameters => [SharedRoot, Paths, Mapping, BackupSuffix, RequireMountpoint, CreateTargets];
    public override bool SupportsMigration => true;
    public override IReadOnlyList<int> CheckLevels => [0, 10];
    public override IReadOnlyList<ExitCase> ExitCodes =>
    [
        new(OcfExit.Success, "every path is a link to its target under shared_root"),
        new(OcfExit.Generic, "a link could not be made or undone (every link made is undone before it returns)"),
        new(OcfExit.NotInstalled, "this node cannot take the links as they are: shared_root is missing or not a mount point, a path's parent is missing, a path is a symlink we did not make, a backup is in the way, or a target is missing and create_targets is off (the reason names the path and the fix)"),
        new(OcfExit.NotConfigured, "the parameters contradict each other (paths overlapping each other or shared_root, a path resolving into shared_root)"),
        new(OcfExit.NotRunning, "no path is linked (the node's own directories are in place); or, for a probe, every path still links into a shared root whose data is not here (a node that went down active and came back without the storage)"),
    ];
    public override IReadOnlyList<string> SeeAlso => ["ocf_heartbeat_Filesystem(7)", "ocf_xcat_xcatdb(7)", "ocf_xcat_xcatd(7)"];

    public override Configured<SharedDataConfig> Configure(ParameterValues v) =>
        SharedDataConfig.From(v.Get(SharedRoot), v.Get(Paths), v.GetOrDefault(Mapping), v.Get(BackupSuffix),
            v.Get(RequireMountpoint), v.Get(CreateTargets));

    public override OcfResult Monitor(OcfContext ctx, SharedDataConfig config) =>
        new LinkSet(config, ctx.Log).Monitor(ctx.CheckLevel, ctx.IsProbe);

    public override OcfResult Start(OcfContext ctx, SharedDataConfig config) =>
        new LinkSet(config, ctx.Log).Activate(ctx.Deadline);

    public override OcfResult Stop(OcfContext ctx, SharedDataConfig config) =>
        new LinkSet(config, ctx.Log).Deactivate();

    public override OcfResult Validate(OcfContext ctx, SharedDataConfig config) =>
        new LinkSet(config, ctx.Log).Preflight();

    /// <summary>
    /// With a broken configuration, stop and probe still need an answer. Nothing is active when no
    /// listed path that can be read is a symlink into the shared root; if even the shared root
    /// cannot be read, we cannot tell, and say so.
    /// </summary>
    public override bool IsStoppedWithoutConfig(OcfContext ctx)
    {
        if (ctx.Values.GetOrDefault(SharedRoot) is not { } root) return false;
        var raw = ctx.Environment.TryGetValue(Paths.EnvironmentName, out var p) && p.Length > 0 ? p : Paths.Default!;
        foreach (var path in raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!path.StartsWith('/')) continue;
            if (AtomicFs.ReadLink(path) is { } text && PathText.IsWithin(PathText.ResolveLinkText(path, text), root))
                return false;
        }
        return true;
    }
}
