using System.CommandLine;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Fencing;

/// <summary>
/// The fence-agent API of Pacemaker 2 (stonith:fence_*): options as key=value lines on stdin,
/// as Pacemaker's fencer writes them, or on the command line as fence-agents' getopt takes them.
/// </summary>
public static class FenceAgentApi
{
    public static int Run(FenceDevice device, string[] args, TextReader? stdin, IReadOnlyDictionary<string, string> env,
        TextWriter stdout, TextWriter stderr)
    {
        var options = new FenceOptions(FenceHost.AllOptions(device), device.ProgramDefaults);
        if (stdin is not null) ReadStdin(stdin, options);
        else ParseCommandLine(device, args, options);

        // fence-agents answers these before looking at anything else, errors included.
        if (options.Get(FenceOption.Help)) { stdout.Write(FenceDocs.Usage(device)); return FenceHost.Success; }
        if (options.Get(FenceOption.Version)) { stdout.Write(BuildInfo.Version + "\n"); return FenceHost.Success; }
        var action = options.Get(FenceOption.Action);
        var log = MakeLog(device.ProgramName, options, stderr, env);
        foreach (var key in options.Ignored) log.Debug($"ignoring unknown parameter '{key}'");
        switch (action)
        {
            case "metadata": stdout.Write(FenceDocs.Metadata(device)); return FenceHost.Success;
            case "manpage": stdout.Write(FenceDocs.ManPage(device)); return FenceHost.Success;
        }
        foreach (var (name, why) in options.GivenButIgnored) log.Warn($"parameter {name} is ignored: {why}");
        if (options.Get(FenceOption.PortAsIp) && options.Get(FenceOption.Plug) is { Length: > 0 } address && options.Find("ip") is not null)
            options.Set("ip", address);
        if (options.Errors.Count == 0) options.CheckRequired();
        if (options.Errors.Count > 0) return FenceHost.Fail(log, string.Join("; ", options.Errors));
        try
        {
            CheckOnePlug(options);
            device.Validate(options);
            if (action == "validate-all") return FenceHost.Success;
            if (action is "list" or "list-status")
            {
                // One device fences one node: the plug it was given is all it can list.
                if (options.Get(FenceOption.Plug) is { Length: > 0 } plug) stdout.Write(plug + ",\n");
                return FenceHost.Success;
            }
            return PowerSequence.Run(device, action, options, log, stdout);
        }
        catch (FenceConfigException e) { return FenceHost.Fail(log, e.Message); }
    }

    private static void CheckOnePlug(FenceOptions options)
    {
        var plug = options.Get(FenceOption.Plug);
        var separator = options.Get(FenceOption.PlugSeparator);
        if (separator.Length > 0 && plug.Contains(separator, StringComparison.Ordinal))
            throw new FenceConfigException($"parameter plug: '{ErrorText.Printable(plug)}' names more than one node (separated by '{separator}'); one device fences one node, so configure one device per node");
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
            options.Set(key == "option" ? FenceOption.Action.Name : key, text[(eq + 1)..]);
        }
    }

    private static void ParseCommandLine(FenceDevice device, string[] args, FenceOptions options)
    {
        var root = new RootCommand(device.ShortDesc);
        // System.CommandLine's own -h/--help and --version print its layout; ours are declared options.
        root.Options.Clear();
        var bound = new List<(FenceParameter P, Option Option)>();
        foreach (var p in FenceHost.AllOptions(device).Select(o => o.Declaration))
        {
            var names = new List<string>();
            if (p.Short is { } s) names.Add("-" + s);
            Option option = p.Kind == FenceKind.Boolean
                ? new Option<bool>(p.LongOption, [.. names]) { Description = p.ShortDesc }
                : new Option<string[]>(p.LongOption, [.. names]) { Description = p.ShortDesc, AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore };
            root.Options.Add(option);
            bound.Add((p, option));
        }
        // `fence_ipmi manpage`: a bare action word, as the man page and help2man call it.
        if (args is [var word] && FenceOption.Action.Declaration.Choices.Contains(word, StringComparer.Ordinal)) args = ["-o", word];
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors) options.Errors.Add(e.Message);
            return;
        }
        foreach (var (p, option) in bound)
        {
            if (result.GetResult(option) is not { Implicit: false }) continue;
            if (option is Option<bool> flag) options.Set(p.Name, result.GetValue(flag) ? "1" : "0");
            // Repeated options: the last one wins, as with getopt in fence-agents.
            else if (option is Option<string[]> text && result.GetValue(text) is { Length: > 0 } v) options.Set(p.Name, v[^1]);
        }
    }

    private static Log MakeLog(string name, FenceOptions options, TextWriter stderr, IReadOnlyDictionary<string, string> env)
    {
        var logEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in new[] { "HA_LOGFILE", "HA_LOGFACILITY", "HA_debug" })
            if (env.TryGetValue(key, out var v)) logEnv[key] = v;
        var verbose = options.Get(FenceOption.Verbose) || options.Get(FenceOption.VerboseLevel) > 0;
        if (verbose) logEnv["HA_debug"] = "1";
        if (options.Get(FenceOption.DebugFile) is { Length: > 0 } file) { logEnv["HA_debug"] = "1"; logEnv["HA_DEBUGLOG"] = file; }
        // quiet: nothing on stderr unless verbose asked for it; the files and syslog still get every line.
        return new Log(name, options.Get(FenceOption.Quiet) && !verbose ? TextWriter.Null : stderr, logEnv, alwaysStderr: true);
    }
}
