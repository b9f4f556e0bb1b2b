using System.Runtime.InteropServices;

namespace OcfAgents.Sys;

/// <summary>
/// At a deadline: one line on stderr and _exit(status), whatever the rest of the process is doing
/// (blocked in a stat(2) on hung shared storage, waiting on a socket, looping).
///
/// A POSIX timer, not a managed thread: timer_create(SIGEV_THREAD) starts glibc's small native
/// helper thread and arms a kernel timer; nothing enters the runtime until the timer fires, and
/// only then does glibc start the thread that runs <see cref="Fire"/>. A managed thread costs every
/// action its creation and the runtime's start-up handshake, which the caller waits for (clone,
/// a malloc arena for the thread, its runtime registration): ~5% of a recurring monitor's time here.
///
/// | timer_create                 | what arms the deadline                                     |
/// |------------------------------|------------------------------------------------------------|
/// | succeeds                     | the kernel timer; Fire runs on a thread glibc starts then  |
/// | fails (EAGAIN: no resources) | a sleeping background thread, 64 KiB stack (the old way)   |
/// </summary>
public static unsafe partial class Watchdog
{
    private const int CLOCK_MONOTONIC = 1;
    private const int SIGEV_THREAD = 2;

    private static byte[] _line = [];
    private static int _status;

    /// <summary>struct sigevent (x86-64 glibc, 64 bytes): sigev_value, sigev_signo, sigev_notify, then the
    /// union whose _sigev_thread member holds the notify function and its pthread attributes.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct SigEvent
    {
        [FieldOffset(0)] public nint Value;
        [FieldOffset(8)] public int Signo;
        [FieldOffset(12)] public int Notify;
        [FieldOffset(16)] public delegate* unmanaged<nint, void> Function;
        [FieldOffset(24)] public nint Attributes;
    }

    /// <summary>struct itimerspec: it_interval (0: fire once), then it_value; each a struct timespec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ITimerSpec
    {
        public long IntervalSeconds, IntervalNanoseconds;
        public long ValueSeconds, ValueNanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "timer_create", SetLastError = true)]
    private static partial int TimerCreate(int clock, SigEvent* sevp, nint* timerId);

    [LibraryImport("libc", EntryPoint = "timer_settime", SetLastError = true)]
    private static partial int TimerSetTime(nint timerId, int flags, ITimerSpec* value, ITimerSpec* old);

    public static void Arm(TimeSpan after, string line, int status)
    {
        _line = System.Text.Encoding.UTF8.GetBytes(line);
        _status = status;
        // An it_value of zero would disarm the timer instead of firing it at once.
        if (after < TimeSpan.FromMilliseconds(1)) after = TimeSpan.FromMilliseconds(1);

        var ev = new SigEvent { Notify = SIGEV_THREAD, Function = &Fire };
        nint timer;
        var spec = new ITimerSpec
        {
            ValueSeconds = after.Ticks / TimeSpan.TicksPerSecond,
            ValueNanoseconds = after.Ticks % TimeSpan.TicksPerSecond * 100,
        };
        if (TimerCreate(CLOCK_MONOTONIC, &ev, &timer) == 0 && TimerSetTime(timer, 0, &spec, null) == 0) return;

        new Thread(() =>
        {
            Thread.Sleep(after);
            Answer();
        }, maxStackSize: 64 * 1024) { IsBackground = true }.Start();
    }

    [UnmanagedCallersOnly]
    private static void Fire(nint value) => Answer();

    private static void Answer()
    {
        Native.WriteAll(2, _line);
        Native.Exit(_status);
    }
}
