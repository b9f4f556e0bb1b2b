using System.Text;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Fencing;

/// <summary>
/// The power actions, the same for both APIs:
///
/// | action  | does                                                                  | exit |
/// |---------|-----------------------------------------------------------------------|------|
/// | status  | power state                                                           | 0 on, 2 off |
/// | monitor | logs in and reads the power state (the device answers)                | 0    |
/// | on      | on unless on; then polls until on (power_timeout)                     | 0    |
/// | off     | off unless off; then polls until off                                  | 0    |
/// | reboot  | onoff: off verified, then on (on failing after a verified off is a warning: the node is fenced); cycle: the device's cycle, then on verified | 0 |
/// Anything else, or an unconfirmed state, is 1 with the reason.
/// </summary>
public static class PowerSequence
{
    public static int Run(FenceDevice device, string action, FenceOptions options, Log log, TextWriter stdout)
    {
        var delay = action is "on" or "off" or "reboot" ? options.Get(FenceOption.Delay) : TimeSpan.Zero;
        var powerWait = options.Get(FenceOption.PowerWait);
        var powerTimeout = options.Get(FenceOption.PowerTimeout);
        var loginTimeout = options.Get(FenceOption.LoginTimeout);
        // 0 would poll the device in a busy loop.
        var statusSleep = TimeSpan.FromMilliseconds(Math.Max(100, options.Get(FenceOption.StonithStatusSleep).TotalMilliseconds));
        var budget = delay + loginTimeout + (powerWait + powerTimeout) * 2 + TimeSpan.FromSeconds(2);
        var deadline = Deadline.After(budget);
        byte[] password;
        try
        {
            password = Password(device, options, deadline);
            device.ValidatePassword(options, password);
        }
        catch (FenceConfigException e) { return FenceHost.Fail(log, e.Message); }

        if (delay > TimeSpan.Zero)
        {
            log.Info($"delaying {action} by {delay.TotalSeconds:0.###} s (delay)");
            Thread.Sleep(delay);
        }
        try
        {
            using var sw = device.Connect(options, password, deadline, log);
            switch (action)
            {
                case "status":
                    var on = sw.IsOn();
                    stdout.Write(on ? "Status: ON\n" : "Status: OFF\n");
                    return on ? FenceHost.Success : FenceHost.StatusOff;
                case "monitor":
                    sw.IsOn();
                    return FenceHost.Success;
                case "on":
                    if (!sw.IsOn()) { sw.PowerOn(); WaitFor(sw, true, powerWait, powerTimeout, statusSleep, deadline); }
                    stdout.Write("Success: Powered ON\n");
                    return FenceHost.Success;
                case "off":
                    if (sw.IsOn()) { sw.PowerOff(); WaitFor(sw, false, powerWait, powerTimeout, statusSleep, deadline); }
                    stdout.Write("Success: Powered OFF\n");
                    return FenceHost.Success;
                case "reboot":
                    if (options.Get(FenceOption.Method) == "cycle" && sw.IsOn())
                    {
                        sw.PowerCycle();
                        WaitFor(sw, true, powerWait, powerTimeout, statusSleep, deadline);
                    }
                    else
                    {
                        if (sw.IsOn()) { sw.PowerOff(); WaitFor(sw, false, powerWait, powerTimeout, statusSleep, deadline); }
                        log.Info("power is off (verified): the node is fenced; powering on");
                        try { sw.PowerOn(); WaitFor(sw, true, powerWait, powerTimeout, statusSleep, deadline); }
                        catch (FenceDeviceException e)
                        {
                            log.Warn($"power on after a verified off failed ({e.Message}); the node stays off but is fenced");
                        }
                    }
                    stdout.Write("Success: Rebooted\n");
                    return FenceHost.Success;
                default:
                    return FenceHost.Fail(log, $"unrecognised action '{action}'");
            }
        }
        catch (FenceDeviceException e) { return FenceHost.Fail(log, e.Message); }
        catch (FenceConfigException e) { return FenceHost.Fail(log, e.Message); }
        catch (Exception e) { return FenceHost.Fail(log, $"{action}: {ErrorText.Describe(e)}"); }
    }

    /// <summary>Polls the state until it is <paramref name="on"/>: 0.1 s, doubling up to stonith_status_sleep, within power_timeout.</summary>
    private static void WaitFor(IPowerSwitch sw, bool on, TimeSpan powerWait, TimeSpan powerTimeout, TimeSpan statusSleep, Deadline deadline)
    {
        if (powerWait > TimeSpan.Zero) Thread.Sleep(powerWait < deadline.Remaining ? powerWait : deadline.Remaining);
        var until = Deadline.After(powerTimeout + TimeSpan.FromSeconds(1));
        var poll = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            if (sw.IsOn() == on) return;
            if (until.Expired || deadline.Expired)
                throw new FenceDeviceException($"timed out waiting for power {(on ? "ON" : "OFF")} after {powerTimeout.TotalSeconds:0.###} s (power_timeout)");
            Thread.Sleep(poll);
            poll = poll * 2 < statusSleep ? poll * 2 : statusSleep;
        }
    }

    /// <summary>
    /// The password as bytes: from the password option, or the first line a password_script prints.
    /// The script runs without a shell, with a bare environment, inside the deadline.
    /// </summary>
    private static byte[] Password(FenceDevice device, FenceOptions options, Deadline deadline)
    {
        if (options.Get(FenceOption.PasswordScript) is { Length: > 0 } script)
        {
            var argv = script.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var r = ProcessRunner.Run(new ProcessSpec(argv), deadline);
            if (!r.Succeeded) throw new FenceConfigException($"password_script {argv[0]} failed (exit {r.ExitCode}{(r.TimedOut ? ", timed out" : "")})");
            return Encoding.UTF8.GetBytes(r.Stdout.Split('\n')[0].TrimEnd('\r'));
        }
        return Encoding.UTF8.GetBytes(options.Get(device.Password));
    }
}
