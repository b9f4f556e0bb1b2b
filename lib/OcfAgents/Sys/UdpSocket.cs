using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OcfAgents.Sys;

/// <summary>A UDP socket call failed; <see cref="Errno"/> says why (ECONNREFUSED: an ICMP port unreachable came back).</summary>
public sealed class UdpException(string operation, int errno) : IOException($"{operation}: {Native.ErrnoText(errno)}")
{
    public int Errno { get; } = errno;
    public bool IsConnectionRefused => Errno == Native.ECONNREFUSED;
}

/// <summary>
/// A connected UDP socket on the plain system calls — socket, connect, send, poll, recv — for
/// request/reply protocols such as RMCP. System.Net.Sockets.Socket starts its epoll engine and
/// event thread when the first socket is made, even for synchronous use; a fence agent that sends
/// a dozen datagrams pays for a thread it never uses.
/// </summary>
public sealed unsafe partial class UdpSocket : IDisposable
{
    private const int AF_INET = 2, AF_INET6 = 10, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;
    private const short POLLIN = 0x1;

    private int _fd;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)] private static partial int Socket(int domain, int type, int protocol);
    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)] private static partial int Connect(int fd, byte* address, int length);
    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)] private static partial nint Send(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)] private static partial nint Recv(int fd, byte* buffer, nint length, int flags);
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)] private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);
    [LibraryImport("libc", EntryPoint = "close")] private static partial int Close(int fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd { public int Fd; public short Events; public short Revents; }

    public UdpSocket(IPAddress address, int port)
    {
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        _fd = Socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (_fd < 0) throw new UdpException("socket", Native.LastErrno);
        // struct sockaddr_in:  family(2, host order) | port(2, network order) | IPv4 address(4) | zero(8)
        // struct sockaddr_in6: family(2) | port(2) | flow info(4) | IPv6 address(16) | scope id(4)
        Span<byte> sa = stackalloc byte[28];
        sa.Clear();
        BitConverter.TryWriteBytes(sa, (ushort)(v6 ? AF_INET6 : AF_INET));
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        address.TryWriteBytes(sa.Slice(v6 ? 8 : 4), out _);
        if (v6) BitConverter.TryWriteBytes(sa.Slice(24), (uint)address.ScopeId);
        fixed (byte* p = sa)
            if (Connect(_fd, p, v6 ? 28 : 16) != 0)
            {
                var errno = Native.LastErrno;
                Dispose();
                throw new UdpException("connect", errno);
            }
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        fixed (byte* p = datagram)
            if (Send(_fd, p, datagram.Length, 0) < 0) throw new UdpException("send", Native.LastErrno);
    }

    /// <summary>Waits until a datagram (or an error) is ready to read; false when <paramref name="timeout"/> passes first.</summary>
    public bool WaitReadable(TimeSpan timeout)
    {
        var pfd = new PollFd { Fd = _fd, Events = POLLIN };
        var n = Poll(&pfd, 1, (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue));
        if (n < 0 && Native.LastErrno == Native.EINTR) return false;
        if (n < 0) throw new UdpException("poll", Native.LastErrno);
        return n > 0;
    }

    /// <summary>One datagram into <paramref name="buffer"/>; its length.</summary>
    public int Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = Recv(_fd, p, buffer.Length, 0);
            if (n < 0) throw new UdpException("recv", Native.LastErrno);
            return (int)n;
        }
    }

    public void Dispose()
    {
        if (_fd >= 0) Close(_fd);
        _fd = -1;
    }
}
