using System.CommandLine;
using System.Text;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Fencing;

/// <summary>
/// Both fencing APIs over one <see cref="FenceDevice"/>, chosen by how we were called:
///
/// | called as                                   | API                                        |
/// |---------------------------------------------|--------------------------------------------|
/// | program name xcat-* (the external/ plugin)  | cluster-glue: `op [host]`, parameters in env |
/// | first argument gethosts, reset, getinfo-*…  | cluster-glue (a copy under another name)   |
/// | no arguments                                | fence-agent: key=value lines on stdin      |
/// | options (-o status, --ip=…)                 | fence-agent: command line                  |
///
/// Exit codes, fence-agent API: 0 success (status: on), 2 status off, 1 any failure.
/// external/ API: 0 success, 1 failure. Every failure prints one "ERROR: …" line on stderr;
/// Pacemaker greps it for "timed out" and "unrecognised action", so those words are kept.
/// </summary>
public static class FenceHost
{
    public const int Success = 0, Failure = 1, StatusOff = 2;

    private static readonly string[] ExternalOnlyOps =
        ["gethosts", "reset", "getconfignames", "getinfo-devid", "getinfo-devname", "getinfo-devdescr", "getinfo-devurl", "getinfo-xml"];

    public static readonly string[] Actions = ["on", "off", "reboot", "status", "monitor", "list", "metadata", "validate-all", "manpage"];

    /// <summary>The options every device has, after its own.</summary>
    public static IReadOnlyList<FenceParameter> CommonParameters { get; } =
    [
        new() { Name = "action", ShortDesc = "Fencing action", Short = 'o', ValueName = "action", Default = "reboot", Kind = FenceKind.Select, Choices = [.. Actions, "list-status"] },
        new() { Name = "plug", ShortDesc = "The node to fence (accepted for Pacemaker; one device fences one node)", Short = 'n', ValueName = "id", Aliases = ["port"] },
        new() { Name = "method", ShortDesc = "Method to fence: onoff (off verified, then on) or cycle (the device's own power cycle)", Short = 'm', ValueName = "method", Kind = FenceKind.Select, Choices = ["onoff", "cycle"], Default = "onoff" },
        new() { Name = "delay", ShortDesc = "Wait X seconds before fencing is started", ValueName = "seconds", Kind = FenceKind.Seconds, Default = "0" },
        new() { Name = "power_wait", ShortDesc = "Wait X seconds after issuing ON/OFF before checking the state", ValueName = "seconds", Kind = FenceKind.Seconds, Default = "0" },
        new() { Name = "power_timeout", ShortDesc = "Test X seconds for status change after ON/OFF", ValueName = "seconds", Kind = FenceKind.Seconds, Default = "20" },
        new() { Name = "login_timeout", ShortDesc = "Wait X seconds for the device to answer a login step", ValueName = "seconds", Kind = FenceKind.Seconds, Default = "5" },
        new() { Name = "shell_timeout", ShortDesc = "Accepted for compatibility; each request is bounded by login_timeout", ValueName = "seconds", Kind = FenceKind.Seconds, Default = "3" },
        new() { Name = "retry_on", ShortDesc = "Accepted for compatibility; requests are retried within login_timeout", ValueName = "attempts", Kind = FenceKind.Integer, Default = "1" },
        new() { Name = "password_script", ShortDesc = "Program (argv split on spaces, no shell) whose first output line is the password", Short = 'S', ValueName = "script", Aliases = ["passwd_script"] },
        new() { Name = "verbose", ShortDesc = "Verbose mode: debug lines on stderr", Short = 'v', Kind = FenceKind.Boolean, ValueName = null },
        new() { Name = "debug_file", ShortDesc = "Write debug information to the given file", Short = 'D', ValueName = "debugfile", Aliases = ["debug"] },
        new() { Name = "nodename", ShortDesc = "The node being fenced (set by Pacemaker)", ValueName = "name" },
    ];

    public static IReadOnlyList<FenceParameter> AllParameters(FenceDevice device) => [.. device.DeviceParameters, .. CommonParameters];

    public static int Main(FenceDevice device, string[] args)
    {
        var stdout = new FdWriter(1, autoFlush: false);
        var stderr = new FdWriter(2, autoFlush: true);
        try
        {
            var env = new ProcessEnvironment();
            var programName = Path.GetFileName(Environment.GetCommandLineArgs().FirstOrDefault() ?? device.AgentName);
            var external = programName.StartsWith("xcat-", StringComparison.Ordinal)
                || (args.Length > 0 && ExternalOnlyOps.Contains(args[0], StringComparer.Ordinal));
            return external
                ? RunExternal(device, args, env, stdout, stderr)
                : RunFenceAgent(device, args, args.Length == 0 ? new StreamReader(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, false), FileAccess.Read, 1)) : null, env, stdout, stderr);
        }
        catch (Exception e)
        {
            // Nothing may end a fence action with a signal or a stack trace: Pacemaker reads the
            // exit code and one ERROR line. An exception here escaped every device handler.
            try { new Log(device.AgentName, stderr, new Dictionary<string, string>()).Error(ErrorText.Describe(e)); }
            catch (IOException) { }
            return Failure;
        }
        finally
        {
            try { stdout.Flush(); } catch (IOException) { }
        }
    }

    // ---- fence-agent API ---------------------------------------------------------------------------

    public static int RunFenceAgent(FenceDevice device, string[] args, TextReader? stdin, IReadOnlyDictionary<string, string> env,
        TextWriter stdout, TextWriter stderr)
    {
        var options = new FenceOptions(AllParameters(device));
        if (stdin is not null) ReadStdin(stdin, options);
        else if (ParseCommandLine(device, args, options, stdout) is { } early) return early;

        var action = options.Get("action") ?? "reboot";
        var log = MakeLog(device.AgentName, options, stderr, env);
        foreach (var key in options.Ignored) log.Debug($"ignoring unknown parameter '{key}'");
        switch (action)
        {
            case "metadata": stdout.Write(FenceDocs.Metadata(device)); return Success;
            case "manpage": stdout.Write(FenceDocs.ManPage(device)); return Success;
        }
        if (options.Errors.Count == 0) options.CheckRequired();
        if (options.Errors.Count > 0) return Fail(log, string.Join("; ", options.Errors));
        try
        {
            device.Validate(options);
            if (action == "validate-all") return Success;
            if (action == "list" || action == "list-status")
            {
                if (options.Get("plug") is { Length: > 0 } plug) stdout.Write(plug + ",\n");
                return Success;
            }
            return RunPowerAction(device, action, options, log, stdout);
        }
        catch (FenceConfigException e) { return Fail(log, e.Message); }
    }

    /// <summary>key=value lines as Pacemaker writes them; blank lines and # comments are skipped.</summary>
    public static void ReadStdin(TextReader stdin, FenceOptions options)
    {
        while (stdin.ReadLine() is { } line)
        {
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#') continue;
            var eq = text.IndexOf('=');
            if (eq <= 0) { options.Errors.Add($"stdin line without key=value: '{(text.Length > 40 ? text[..40] : text)}'"); continue; }
            // Older Pacemaker and fence-agents accept "option=" as a synonym of "action=".
            var key = text[..eq].Trim();
            options.Set(key == "option" ? "action" : key, text[(eq + 1)..]);
        }
    }

    private static int? ParseCommandLine(FenceDevice device, string[] args, FenceOptions options, TextWriter stdout)
    {
        var root = new RootCommand(device.ShortDesc);
        var bound = new List<(FenceParameter P, Option Option)>();
        foreach (var p in AllParameters(device))
        {
            var names = new List<string>();
            if (p.Short is { } s) names.Add("-" + s);
            Option option = p.Kind == FenceKind.Boolean
                ? new Option<bool>(p.LongOption, [.. names]) { Description = p.ShortDesc }
                : new Option<string[]>(p.LongOption, [.. names]) { Description = p.ShortDesc, AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore };
            root.Options.Add(option);
            bound.Add((p, option));
        }
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors) options.Errors.Add(e.Message);
            return null;
        }
        foreach (var (p, option) in bound)
        {
            if (result.GetResult(option) is not { Implicit: false }) continue;
            if (option is Option<bool> flag) options.Set(p.Name, result.GetValue(flag) ? "1" : "0");
            // Repeated options: the last one wins, as with getopt in fence-agents.
            else if (option is Option<string[]> text && result.GetValue(text) is { Length: > 0 } v) options.Set(p.Name, v[^1]);
        }
        return null;
    }

    private static Log MakeLog(string name, FenceOptions options, TextWriter stderr, IReadOnlyDictionary<string, string> env)
    {
        var logEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in new[] { "HA_LOGFILE", "HA_LOGFACILITY", "HA_debug" })
            if (env.TryGetValue(key, out var v)) logEnv[key] = v;
        if (options.Flag("verbose")) logEnv["HA_debug"] = "1";
        if (options.Get("debug_file") is { Length: > 0 } file) { logEnv["HA_debug"] = "1"; logEnv["HA_DEBUGLOG"] = file; }
        return new Log(name, stderr, logEnv);
    }

    private static int Fail(Log log, string reason)
    {
        log.Error(reason.Replace('\n', ' '));
        return Failure;
    }

    // ---- the power actions, shared by both APIs ------------------------------------------------------

    /// <summary>
    /// | action  | does                                                                  | exit |
    /// |---------|-----------------------------------------------------------------------|------|
    /// | status  | power state                                                           | 0 on, 2 off |
    /// | monitor | logs in and reads the power state (the device answers)                | 0    |
    /// | on      | on unless on; then polls until on (power_timeout)                     | 0    |
    /// | off     | off unless off; then polls until off                                  | 0    |
    /// | reboot  | onoff: off verified, then on (on failing after a verified off is a warning: the node is fenced); cycle: the device's cycle, then on verified | 0 |
    /// Anything else, or an unconfirmed state, is 1 with the reason.
    /// </summary>
    public static int RunPowerAction(FenceDevice device, string action, FenceOptions options, Log log, TextWriter stdout)
    {
        var delay = action is "on" or "off" or "reboot" ? options.Seconds("delay", TimeSpan.Zero) : TimeSpan.Zero;
        var powerWait = options.Seconds("power_wait", TimeSpan.Zero);
        var powerTimeout = options.Seconds("power_timeout", TimeSpan.FromSeconds(20));
        var loginTimeout = options.Seconds("login_timeout", TimeSpan.FromSeconds(5));
        var budget = delay + loginTimeout + (powerWait + powerTimeout) * 2 + TimeSpan.FromSeconds(2);
        var deadline = Deadline.After(budget);
        byte[] password;
        try { password = Password(options, deadline); }
        catch (FenceConfigException e) { return Fail(log, e.Message); }

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
                    return on ? Success : StatusOff;
                case "monitor":
                    sw.IsOn();
                    return Success;
                case "on":
                    if (!sw.IsOn()) { sw.PowerOn(); WaitFor(sw, true, powerWait, powerTimeout, deadline); }
                    stdout.Write("Success: Powered ON\n");
                    return Success;
                case "off":
                    if (sw.IsOn()) { sw.PowerOff(); WaitFor(sw, false, powerWait, powerTimeout, deadline); }
                    stdout.Write("Success: Powered OFF\n");
                    return Success;
                case "reboot":
                    if (options.Get("method") == "cycle" && sw.IsOn())
                    {
                        sw.PowerCycle();
                        WaitFor(sw, true, powerWait, powerTimeout, deadline);
                    }
                    else
                    {
                        if (sw.IsOn()) { sw.PowerOff(); WaitFor(sw, false, powerWait, powerTimeout, deadline); }
                        log.Info("power is off (verified): the node is fenced; powering on");
                        try { sw.PowerOn(); WaitFor(sw, true, powerWait, powerTimeout, deadline); }
                        catch (FenceDeviceException e)
                        {
                            log.Warn($"power on after a verified off failed ({e.Message}); the node stays off but is fenced");
                        }
                    }
                    stdout.Write("Success: Rebooted\n");
                    return Success;
                default:
                    return Fail(log, $"unrecognised action '{action}'");
            }
        }
        catch (FenceDeviceException e) { return Fail(log, e.Message); }
        catch (FenceConfigException e) { return Fail(log, e.Message); }
        catch (Exception e) { return Fail(log, $"{action}: {ErrorText.Describe(e)}"); }
    }

    private static void WaitFor(IPowerSwitch sw, bool on, TimeSpan powerWait, TimeSpan powerTimeout, Deadline deadline)
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
            poll = poll * 2 < TimeSpan.FromSeconds(1) ? poll * 2 : TimeSpan.FromSeconds(1);
        }
    }

    /// <summary>
    /// The password as bytes: from the password option, or the first line a password_script prints.
    /// The script runs without a shell, with a bare environment, inside the deadline.
    /// </summary>
    private static byte[] Password(FenceOptions options, Deadline deadline)
    {
        if (options.Get("password_script") is { Length: > 0 } script)
        {
            var argv = script.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var r = ProcessRunner.Run(new ProcessSpec(argv), deadline);
            if (!r.Succeeded) throw new FenceConfigException($"password_script {argv[0]} failed (exit {r.ExitCode}{(r.TimedOut ? ", timed out" : "")})");
            return Encoding.UTF8.GetBytes(r.Stdout.Split('\n')[0].TrimEnd('\r'));
        }
        return Encoding.UTF8.GetBytes(options.Get("password") ?? "");
    }

    // ---- cluster-glue external/ API --------------------------------------------------------------------

    public static int RunExternal(FenceDevice device, string[] args, IReadOnlyDictionary<string, string> env, TextWriter stdout, TextWriter stderr)
    {
        string? Env(string k) => env.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        var log = new Log($"external/{device.ExternalName}", stderr, env);
        var op = args.Length > 0 ? args[0] : "";
        var info = device.ExternalInfo;
        switch (op)
        {
            case "getconfignames":
                foreach (var p in device.ExternalParameters.Where(p => p.ConfigName)) stdout.Write(p.Name + "\n");
                return Success;
            case "getinfo-devid": stdout.Write(info.Id + "\n"); return Success;
            case "getinfo-devname": stdout.Write(info.Name + "\n"); return Success;
            case "getinfo-devdescr": stdout.Write(info.Description + "\n"); return Success;
            case "getinfo-devurl": stdout.Write(info.Url + "\n"); return Success;
            case "getinfo-xml": stdout.Write(FenceDocs.ExternalXml(device)); return Success;
        }
        var options = new FenceOptions(AllParameters(device));
        try
        {
            foreach (var p in device.ExternalParameters.Where(p => p.Required && Env(p.Name) is null))
                throw new FenceConfigException($"parameter {p.Name} is required");
            device.MapExternal(Env, options);
            options.CheckRequired();
            if (options.Errors.Count > 0) throw new FenceConfigException(string.Join("; ", options.Errors));
            device.Validate(options);
        }
        catch (FenceConfigException e) { return Fail(log, e.Message); }

        var hosts = device.ExternalHosts(Env);
        switch (op)
        {
            case "gethosts":
                foreach (var h in hosts) stdout.Write(h + "\n");
                return Success;
            case "status":
                return RunPowerAction(device, "monitor", options, log, TextWriter.Null);
            case "on" or "off" or "reset":
                var host = args.Length > 1 ? args[1] : null;
                if (host is null) return Fail(log, $"{op} needs the host to fence");
                if (!hosts.Any(h => SameHost(h, host)))
                    return Fail(log, $"host '{host}' is not fenced by this device (it fences: {string.Join(" ", hosts)})");
                return RunPowerAction(device, op == "reset" ? "reboot" : op, options, log, TextWriter.Null);
            default:
                return Fail(log, $"unrecognised action '{op}'");
        }
    }

    /// <summary>Host names compare case-insensitively and by short name (cluster-glue passes either).</summary>
    public static bool SameHost(string a, string b)
    {
        static string Short(string h) => h.Split('.')[0];
        return string.Equals(a, b, StringComparison.OrdinalIgnoreCase) || string.Equals(Short(a), Short(b), StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// Anything a device or its protocol reports that ends the action with exit 1: unreachable,
/// refused, garbled, or a state never reached. Protocol clients derive their own kinds from it,
/// so the host needs no knowledge of any protocol.
/// </summary>
public class FenceDeviceException(string message) : Exception(message);
