using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Fencing;

/// <summary>
/// Both fencing APIs over one <see cref="FenceDevice"/>, chosen by how we were called:
///
/// | called as                                   | API                                        |
/// |---------------------------------------------|--------------------------------------------|
/// | program name xcat-* (the external/ plugin)  | cluster-glue: `op [host]`, parameters in env (<see cref="ExternalApi"/>) |
/// | first argument gethosts, reset, getinfo-*…  | cluster-glue (a copy under another name)   |
/// | no arguments                                | fence-agent: key=value lines on stdin (<see cref="FenceAgentApi"/>) |
/// | options (-o status, --ip=…)                 | fence-agent: command line                  |
///
/// Both end in the same <see cref="PowerSequence"/>.
/// Exit codes, fence-agent API: 0 success (status: on), 2 status off, 1 any failure.
/// external/ API: 0 success, 1 failure. Every failure prints one "ERROR: …" line on stderr;
/// Pacemaker greps it for "timed out" and "unrecognised action", so those words are kept.
/// </summary>
public static class FenceHost
{
    public const int Success = 0, Failure = 1, StatusOff = 2;

    private static readonly string[] ExternalOnlyOps =
        ["gethosts", "reset", "getconfignames", "getinfo-devid", "getinfo-devname", "getinfo-devdescr", "getinfo-devurl", "getinfo-xml"];

    /// <summary>A device's own options, then the common ones: the order of meta-data, the man page and getopt.</summary>
    public static IReadOnlyList<IFenceOption> AllOptions(FenceDevice device) => [.. device.DeviceOptions, .. FenceOption.Common];

    public static int Main(FenceDevice device, string[] args)
    {
        var stdout = new FdWriter(1, autoFlush: false);
        var stderr = new FdWriter(2, autoFlush: true);
        try
        {
            var env = new ProcessEnvironment();
            var programName = Path.GetFileName(Environment.GetCommandLineArgs().FirstOrDefault() ?? device.AgentName);
            device.CalledAs(programName);
            var external = programName.StartsWith("xcat-", StringComparison.Ordinal)
                || (args.Length > 0 && ExternalOnlyOps.Contains(args[0], StringComparer.Ordinal));
            return external
                ? ExternalApi.Run(device, args, env, stdout, stderr)
                : FenceAgentApi.Run(device, args, args.Length == 0 ? new StreamReader(new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, false), FileAccess.Read, 1)) : null, env, stdout, stderr);
        }
        catch (Exception e)
        {
            // Nothing may end a fence action with a signal or a stack trace: Pacemaker reads the
            // exit code and one ERROR line. An exception here escaped every device handler.
            try { new Log(device.AgentName, stderr, new Dictionary<string, string>(), alwaysStderr: true).Error(ErrorText.Describe(e)); }
            catch (IOException) { }
            return Failure;
        }
        finally
        {
            try { stdout.Flush(); } catch (IOException) { }
        }
    }

    /// <summary>The one ERROR line of a failed action, and its exit code.</summary>
    internal static int Fail(Log log, string reason)
    {
        log.Error(reason.Replace('\n', ' '));
        return Failure;
    }
}

/// <summary>
/// Anything a device or its protocol reports that ends the action with exit 1: unreachable,
/// refused, garbled, or a state never reached. Protocol clients derive their own kinds from it,
/// so the host needs no knowledge of any protocol.
/// </summary>
public class FenceDeviceException(string message) : Exception(message);
