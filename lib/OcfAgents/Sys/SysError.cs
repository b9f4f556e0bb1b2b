namespace OcfAgents.Sys;

/// <summary>A failed system call, with the path it was about and errno, for exit reasons.</summary>
public sealed class SysError(string operation, string path, int errno)
    : Exception($"{operation} {path}: {Native.ErrnoText(errno)}")
{
    public string Operation { get; } = operation;
    public string PathName { get; } = path;
    public int Errno { get; } = errno;
    public bool IsPermission => Errno is Native.EACCES or Native.EPERM or Native.EROFS;
    public bool IsAlreadyExists => Errno == Native.EEXIST;
}
