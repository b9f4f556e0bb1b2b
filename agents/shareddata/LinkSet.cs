using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.Sys;

namespace OcfAgents.Agents.SharedData;

/// <summary>What one link path holds right now.</summary>
public enum LinkState
{
    /// <summary>A symlink to our target.</summary>
    Active,
    /// <summary>A symlink to something else: not ours, never touched.</summary>
    Foreign,
    /// <summary>Nothing there.</summary>
    Absent,
    /// <summary>A real directory or file: the node's own data.</summary>
    Original,
}

/// <summary>
/// The link set's mechanics. Every change is one atomic system call (rename, renameat2
/// RENAME_NOREPLACE, unlink), with a crash point after it, so a SIGKILL anywhere leaves each
/// path in one of the states below and a re-run of start or stop converges from there:
///
/// | path       | backup  | start does                  | stop does                    |
/// |------------|---------|-----------------------------|------------------------------|
/// | Active     | any     | nothing                     | unlink, restore backup if any|
/// | Absent     | present | link (crash after move-aside)| restore backup              |
/// | Absent     | absent  | link                        | nothing                      |
/// | Original   | absent  | move aside, link            | nothing                      |
/// | Original   | present | refuse (5): ambiguous       | leave alone, warn            |
/// | Foreign    | any     | refuse (5): not ours        | leave alone, warn            |
///
/// A leftover temp link (crash between symlink and rename) is ours when it points at our
/// target, and is removed by either action.
/// </summary>
public sealed class LinkSet(SharedDataConfig config, Log log)
{
    public LinkState StateOf(Link link) => AtomicFs.ReadLink(link.Path) switch
    {
        { } text => PathText.Same(PathText.ResolveLinkText(link.Path, text), link.Target) ? LinkState.Active : LinkState.Foreign,
        null => AtomicFs.Kind(link.Path) == PathKind.Absent ? LinkState.Absent : LinkState.Original,
    };

    private static bool Exists(string path) => Directory.Exists(path) || File.Exists(path);

    /// <summary>
    /// | every path Active, every target present                  | 0 (level 10: also readable, root mounted) |
    /// | no path Active, nothing left half-done                   | 7 |
    /// | no path Active, but a backup waits at an absent path or  | 1: an interrupted start or stop; Pacemaker's |
    /// |   a temporary link of ours is left over                  |    stop (or a start) finishes it             |
    /// | some Active, some not; or a target gone                  | 1, naming the first bad path |
    /// | a probe: every path Active, every target gone            | 7: a node that went down with the links |
    /// |                                                          |    active and came back without the storage |
    /// The last row is why a probe differs: after a crash the node keeps its links (they are on its
    /// own disk) but not the mount of the shared storage. Reporting 1 there would make Pacemaker
    /// see the resource active on two nodes and restart it on the node that runs it.
    /// </summary>
    public OcfResult Monitor(int checkLevel, bool probe = false)
    {
        Link? firstInactive = null;
        LinkState inactiveState = LinkState.Absent;
        var active = 0;
        var states = new LinkState[config.Links.Count];
        for (var i = 0; i < states.Length; i++)
        {
            var link = config.Links[i];
            states[i] = StateOf(link);
            if (states[i] == LinkState.Active) active++;
            else if (firstInactive is null) (firstInactive, inactiveState) = (link, states[i]);
        }
        if (active == 0)
        {
            for (var i = 0; i < states.Length; i++)
            {
                var link = config.Links[i];
                if (IsOurTemp(link))
                    return OcfResult.Fail(OcfExit.Generic, $"interrupted: temporary link {link.Temp} left over; stop or start finishes it");
                if (states[i] == LinkState.Absent && AtomicFs.Kind(link.Backup) != PathKind.Absent)
                    return OcfResult.Fail(OcfExit.Generic, $"interrupted: {link.Path} is missing and {link.Backup} exists; stop restores it");
            }
            return OcfResult.NotRunning;
        }
        if (firstInactive is { } bad)
            return OcfResult.Fail(OcfExit.Generic,
                $"partially active: {active} of {config.Links.Count} links; {bad.Path} is {Describe(bad, inactiveState)}");

        var gone = config.Links.Where(l => !Exists(l.Target)).ToList();
        if (probe && gone.Count == config.Links.Count)
        {
            log.Info($"every path still links into {config.SharedRoot}, whose data is not here (storage not mounted): left by a node " +
                "that went down with the links active; not running here (a stop puts the local copies back, a start with the storage mounted keeps the links)");
            return OcfResult.NotRunning;
        }
        if (gone.Count > 0)
            return OcfResult.Fail(OcfExit.Generic, $"{gone[0].Path} links to {gone[0].Target}, which does not exist (shared storage lost?)");

        if (checkLevel >= 10)
        {
            if (config.RequireMountpoint && !MountTable.IsMountPoint(config.SharedRoot))
                return OcfResult.Fail(OcfExit.Generic, $"shared root {config.SharedRoot} is no longer a mount point");
            foreach (var link in config.Links)
                if (AtomicFs.ReadableError(link.Target) is { } why)
                    return OcfResult.Fail(OcfExit.Generic, $"target {link.Target} is not readable: {why}");
        }
        return OcfResult.Success;
    }

    private string Describe(Link link, LinkState state) => state switch
    {
        LinkState.Foreign => $"a symlink to {AtomicFs.ReadLink(link.Path)}, not {link.Target}",
        LinkState.Original => "real data, not a link",
        _ => "missing",
    };

    /// <summary>Every check start makes before changing anything (also validate-all).</summary>
    public OcfResult Preflight()
    {
        var root = config.SharedRoot;
        if (!Directory.Exists(root))
            return OcfResult.Fail(OcfExit.NotInstalled, $"shared root {root} does not exist here; mount the shared storage first");
        if (config.RequireMountpoint && !MountTable.IsMountPoint(root))
            return OcfResult.Fail(OcfExit.NotInstalled, $"shared root {root} is not a mount point; mount it or set require_mountpoint=false");
        if (ResolvedOverlap() is { } overlap) return overlap;
        foreach (var link in config.Links)
        {
            var parent = Path.GetDirectoryName(link.Path)!;
            if (!Directory.Exists(parent))
                return OcfResult.Fail(OcfExit.NotInstalled, $"parent directory {parent} of {link.Path} does not exist");
            var state = StateOf(link);
            if (state == LinkState.Foreign)
                return OcfResult.Fail(OcfExit.NotInstalled, $"{link.Path} is a symlink to {AtomicFs.ReadLink(link.Path)}, not ours; remove it or fix paths");
            if (state == LinkState.Original && AtomicFs.Kind(link.Backup) != PathKind.Absent)
                return OcfResult.Fail(OcfExit.NotInstalled, $"both {link.Path} and backup {link.Backup} exist; move one away by hand");
            if (AtomicFs.Kind(link.Temp) is not (PathKind.Absent or PathKind.Symlink))
                return OcfResult.Fail(OcfExit.NotInstalled, $"{link.Temp} exists and is not our temporary link; remove it");
            if (!Exists(link.Target) && !config.CreateTargets)
                return OcfResult.Fail(OcfExit.NotInstalled, $"target {link.Target} does not exist; create it on the shared storage or set create_targets=true");
        }
        return OcfResult.Success;
    }

    /// <summary>
    /// The configuration's path checks compare text; the kernel resolves symlinks. A link path
    /// whose parent is (or passes through) a symlink into the shared root names the shared copy
    /// itself: start would rename the shared data aside on the shared storage and link the path
    /// to itself. So every link's parent is resolved (realpath) and compared with the resolved
    /// shared root, both ways, before anything is touched: 6, naming both.
    /// </summary>
    private OcfResult? ResolvedOverlap()
    {
        var root = PathText.Real(config.SharedRoot) ?? config.SharedRoot;
        foreach (var link in config.Links)
        {
            var parent = Path.GetDirectoryName(link.Path)!;
            if (PathText.Real(parent) is not { } realParent) continue; // a missing parent is reported below (5)
            var resolved = PathText.Normalize(Path.Combine(realParent, Path.GetFileName(link.Path)));
            if (PathText.IsWithin(resolved, root))
                return OcfResult.Fail(OcfExit.NotConfigured,
                    $"{link.Path} resolves to {resolved}, inside shared_root {config.SharedRoot} (a symlink in its parent {parent}); list the node's own path");
            if (PathText.IsWithin(root, resolved))
                return OcfResult.Fail(OcfExit.NotConfigured,
                    $"shared_root {config.SharedRoot} resolves to {root}, inside link path {link.Path} ({resolved}); linking would hide it");
        }
        return null;
    }

    /// <summary>All or nothing: on any failure, everything is deactivated again before answering.</summary>
    public OcfResult Activate(Deadline deadline)
    {
        var check = Preflight();
        if (!check.IsSuccess) return check;
        try
        {
            foreach (var link in config.Links)
            {
                if (deadline.Expired) throw new TimeoutException($"deadline reached before linking {link.Path}");
                ActivateOne(link);
            }
            return OcfResult.Success;
        }
        catch (Exception e) when (e is SysError or IOException or UnauthorizedAccessException or TimeoutException)
        {
            log.Error($"start failed ({ErrorText.Describe(e)}); undoing the links made so far");
            var undo = Deactivate();
            var code = ErrorText.IsPermission(e) ? OcfExit.Permission : OcfExit.Generic;
            return OcfResult.Fail(code, undo.IsSuccess ? $"{ErrorText.Describe(e)}; all links undone" : $"{ErrorText.Describe(e)}; undo failed too: {undo.Reason}");
        }
    }

    private void ActivateOne(Link link)
    {
        RemoveOurTemp(link);
        switch (StateOf(link))
        {
            case LinkState.Active:
                log.Debug($"{link.Path}: already linked to {link.Target}");
                return;
            case LinkState.Original:
                AtomicFs.RenameNoReplace(link.Path, link.Backup);
                log.Info($"{link.Path}: moved real data aside to {link.Backup}");
                CrashPoint.Here($"moved {link.Path} aside");
                break;
            case LinkState.Foreign:
                throw new IOException($"{link.Path} became a symlink to {AtomicFs.ReadLink(link.Path)} during start; not ours");
        }
        if (!Exists(link.Target))
        {
            // Preflight saw it; if it is gone now, only create_targets allows making it.
            if (!config.CreateTargets)
                throw new IOException($"target {link.Target} vanished during start; create_targets=false, so it is not created");
            Directory.CreateDirectory(link.Target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            log.Info($"{link.Path}: created missing target {link.Target}");
            CrashPoint.Here($"created target {link.Target}");
        }
        try { AtomicFs.SymlinkNoReplace(link.Target, link.Path, link.Temp); }
        catch (SysError e) when (e.IsAlreadyExists)
        {
            throw new IOException($"{link.Path} reappeared while start was linking it (another action on it?); left as it is");
        }
        log.Info($"{link.Path}: linked to {link.Target}");
        CrashPoint.Here($"linked {link.Path}");
    }

    /// <summary>Stop: removes only our links and restores backups; anything else is left alone and reported.</summary>
    public OcfResult Deactivate()
    {
        foreach (var link in config.Links.Reverse())
        {
            RemoveOurTemp(link);
            var state = StateOf(link);
            var hasBackup = AtomicFs.Kind(link.Backup) != PathKind.Absent;
            switch (state)
            {
                case LinkState.Active:
                    AtomicFs.Unlink(link.Path);
                    log.Info($"{link.Path}: link removed");
                    CrashPoint.Here($"unlinked {link.Path}");
                    if (hasBackup) Restore(link);
                    break;
                case LinkState.Absent when hasBackup:
                    Restore(link);
                    break;
                case LinkState.Foreign:
                    log.Warn($"{link.Path}: a symlink to {AtomicFs.ReadLink(link.Path)}, not ours; left alone");
                    break;
                case LinkState.Original when hasBackup:
                    log.Warn($"{link.Path}: real data present and backup {link.Backup} too; both left alone");
                    break;
            }
        }
        return OcfResult.Success;
    }

    private void Restore(Link link)
    {
        AtomicFs.RenameNoReplace(link.Backup, link.Path);
        log.Info($"{link.Path}: restored from {link.Backup}");
        CrashPoint.Here($"restored {link.Path}");
    }

    private static bool IsOurTemp(Link link) =>
        AtomicFs.ReadLink(link.Temp) is { } text && PathText.Same(PathText.ResolveLinkText(link.Temp, text), link.Target);

    private void RemoveOurTemp(Link link)
    {
        if (IsOurTemp(link))
        {
            AtomicFs.Unlink(link.Temp);
            log.Info($"removed leftover temporary link {link.Temp}");
        }
    }
}
