using OcfAgents.Logging;

namespace OcfAgents.Fencing;

/// <summary>
/// The cluster-glue external/ plugin API of Heartbeat (stonith:external/*): `op [host]` on the
/// command line, the plugin's parameters in the environment, mapped by the device onto its
/// fence-agent options so that <see cref="PowerSequence"/> does the work.
/// </summary>
public static class ExternalApi
{
    public static int Run(FenceDevice device, string[] args, IReadOnlyDictionary<string, string> env, TextWriter stdout, TextWriter stderr)
    {
        string? Env(string k) => env.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        var log = new Log($"external/{device.ExternalName}", stderr, env, alwaysStderr: true);
        var op = args.Length > 0 ? args[0] : "";
        var info = device.ExternalInfo;
        switch (op)
        {
            case "getconfignames":
                foreach (var p in device.ExternalParameters.Where(p => p.ConfigName)) stdout.Write(p.Name + "\n");
                return FenceHost.Success;
            case "getinfo-devid": stdout.Write(info.Id + "\n"); return FenceHost.Success;
            case "getinfo-devname": stdout.Write(info.Name + "\n"); return FenceHost.Success;
            case "getinfo-devdescr": stdout.Write(info.Description + "\n"); return FenceHost.Success;
            case "getinfo-devurl": stdout.Write(info.Url + "\n"); return FenceHost.Success;
            case "getinfo-xml": stdout.Write(FenceDocs.ExternalXml(device)); return FenceHost.Success;
        }
        var options = new FenceOptions(FenceHost.AllOptions(device));
        var values = new ExternalValues(device.ExternalParameters, Env);
        try
        {
            foreach (var p in device.ExternalParameters.Where(p => p.Required && Env(p.Name) is null))
                throw new FenceConfigException($"parameter {p.Name} is required");
            device.MapExternal(values, options);
            options.CheckRequired();
            if (options.Errors.Count > 0) throw new FenceConfigException(string.Join("; ", options.Errors));
            device.Validate(options);
        }
        catch (FenceConfigException e) { return FenceHost.Fail(log, e.Message); }

        var hosts = device.ExternalHosts(values);
        switch (op)
        {
            case "gethosts":
                foreach (var h in hosts) stdout.Write(h + "\n");
                return FenceHost.Success;
            case "status":
                return PowerSequence.Run(device, "monitor", options, log, TextWriter.Null);
            case "on" or "off" or "reset":
                var host = args.Length > 1 ? args[1] : null;
                if (host is null) return FenceHost.Fail(log, $"{op} needs the host to fence");
                if (!hosts.Any(h => SameHost(h, host)))
                    return FenceHost.Fail(log, $"host '{host}' is not fenced by this device (it fences: {string.Join(" ", hosts)})");
                return PowerSequence.Run(device, op == "reset" ? "reboot" : op, options, log, TextWriter.Null);
            default:
                return FenceHost.Fail(log, $"unrecognised action '{op}'");
        }
    }

    /// <summary>Host names compare case-insensitively and by short name (cluster-glue passes either).</summary>
    public static bool SameHost(string a, string b)
    {
        static string Short(string h) => h.Split('.')[0];
        return string.Equals(a, b, StringComparison.OrdinalIgnoreCase) || string.Equals(Short(a), Short(b), StringComparison.OrdinalIgnoreCase);
    }
}
