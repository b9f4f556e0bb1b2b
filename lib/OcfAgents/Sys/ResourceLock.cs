using System.Text;

namespace OcfAgents.Sys;

/// <summary>
/// One state-changing action at a time per resource on this node. Pacemaker never runs two
/// actions of one resource at once, but an admin can (`crm_resource --force-start` while a stop
/// runs), and two starts or a start and a stop interleaved can each undo half of the other.
///
/// The lock is flock(2) on HA_RSCTMP/ocfagents/AGENT-INSTANCE.lock (HA_RSCTMP is where
/// resource-agents keep their run-time state; /run/resource-agents when unset), in a directory
/// verified like every state directory. flock is released by the kernel when its holder dies,
/// so a SIGKILLed action never leaves the resource locked; the file itself is never removed
/// (removing it would let a waiter lock a file nobody else opens any more).
/// </summary>
public sealed class ResourceLock : IDisposable
{
    private int _fd;

    private ResourceLock(int fd) => _fd = fd;

    public static string PathFor(string runDirectory, string agent, string? instance)
    {
        // Clone instances are "name:0"; a '/' cannot occur in a CIB id, but never trust that.
        var name = instance is null ? agent : $"{agent}-{instance.Replace('/', '_')}";
        return Path.Combine(runDirectory, "ocfagents", name + ".lock");
    }

    /// <summary>
    /// Waits for the lock until <paramref name="deadline"/>; null when another action still holds
    /// it then. <paramref name="waiting"/> is called once if the lock is busy at first.
    /// </summary>
    public static ResourceLock? Acquire(string path, Deadline deadline, Action? waiting = null)
    {
        StateDirectory.Ensure(Path.GetDirectoryName(path)!);
        if (AtomicFs.Kind(path) == PathKind.Absent)
        {
            try
            {
                using var _ = new FileStream(path, new FileStreamOptions
                { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            }
            catch (IOException) when (AtomicFs.Kind(path) != PathKind.Absent) { /* another action made it first */ }
        }
        var fd = Native.Open(path, Native.O_RDWR | Native.O_NOFOLLOW | Native.O_CLOEXEC);
        if (fd < 0) throw new SysError("open", path, Native.LastErrno);
        var pause = TimeSpan.FromMilliseconds(5);
        var told = false;
        while (true)
        {
            if (Native.Flock(fd, Native.LOCK_EX | Native.LOCK_NB) == 0) return new ResourceLock(fd);
            var errno = Native.LastErrno;
            if (errno is not (Native.EWOULDBLOCK or Native.EINTR))
            {
                Native.Close(fd);
                throw new SysError("flock", path, errno);
            }
            if (deadline.Remaining <= TimeSpan.Zero)
            {
                Native.Close(fd);
                return null;
            }
            if (!told) { told = true; waiting?.Invoke(); }
            Thread.Sleep(pause < deadline.Remaining ? pause : deadline.Remaining);
            if (pause < TimeSpan.FromMilliseconds(100)) pause *= 2;
        }
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Native.Close(_fd);
        _fd = -1;
    }
}
