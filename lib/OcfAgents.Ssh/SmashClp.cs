using System.Globalization;
using System.Text.RegularExpressions;
using OcfAgents.Fencing;
using OcfAgents.Logging;
using OcfAgents.Sys;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace OcfAgents.Ssh;

/// <summary>Where and how to log in to an iLO's SSH server.</summary>
public sealed record SmashTarget
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    /// <summary>Empty when only the key is used.</summary>
    public required byte[] Password { get; init; }
    public string? IdentityFile { get; init; }
    public required string KnownHostsFile { get; init; }
    /// <summary>Bounds the login and each command (login_timeout).</summary>
    public required TimeSpan RequestTimeout { get; init; }
}


/// <summary>
/// The SMASH command line protocol (DMTF DSP0214) of an HP iLO 3 and later, over SSH (SSH.NET),
/// in the session's shell as fence-agents' fence_ilo_ssh drives it. The host key must be pinned
/// in a known_hosts file (<see cref="KnownHosts"/>): an unknown or changed key ends the login
/// before any password or key is offered. The password reaches SSH.NET as bytes, never a
/// command line.
///
/// A command's answer, as the iLO frames it before its next prompt "&lt;/&gt;hpiLO-&gt; ":
///   status=N                    0: completed; anything else: failed
///   status_tag=TEXT             COMMAND COMPLETED, COMMAND PROCESSING FAILED, ...
///   [error_tag=TEXT]            why it failed
///   DATE
///   TEXT                        e.g. "power: server power is currently: On"
/// </summary>
public sealed class SmashClp : IDisposable
{
    private static readonly Regex Prompt = new(@"hpiLO->\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex Status = new(@"^\s*status=(\d+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex Tag = new(@"^\s*(?:status_tag|error_tag)=(.*?)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex PowerState = new(@"server power is currently:\s*(On|Off)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private readonly SshClient _client;
    private readonly ShellStream _shell;
    private readonly SmashTarget _target;
    private readonly Deadline _deadline;
    private readonly Log _log;

    private SmashClp(SshClient client, ShellStream shell, SmashTarget target, Deadline deadline, Log log)
    {
        _client = client; _shell = shell; _target = target; _deadline = deadline; _log = log;
    }

    private static string Name(SmashTarget t) => t.Port == 22 ? t.Host : $"[{t.Host}]:{t.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Logs in and waits for the CLP's first prompt.</summary>
    public static SmashClp Connect(SmashTarget t, Deadline deadline, Log log)
    {
        KnownHosts known;
        try { known = KnownHosts.For(t.KnownHostsFile, t.Host, t.Port); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FenceDeviceException($"cannot read ssh_known_hosts {t.KnownHostsFile}: {e.Message}");
        }
        if (known.KeyTypes.Count == 0)
            throw new FenceDeviceException($"{Name(t)} has no host key in ssh_known_hosts {t.KnownHostsFile}: pin the iLO's key first, after checking " +
                $"its fingerprint on the iLO itself (ssh-keyscan -p {t.Port.ToString(CultureInfo.InvariantCulture)} {t.Host} gives the line)");

        var methods = new List<AuthenticationMethod>();
        try
        {
            if (t.IdentityFile is { } key) methods.Add(new PrivateKeyAuthenticationMethod(t.User, new PrivateKeyFile(key)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException)
        {
            throw new FenceDeviceException($"identity_file {t.IdentityFile}: {e.Message}");
        }
        if (t.Password.Length > 0) methods.Add(new PasswordAuthenticationMethod(t.User, t.Password));
        if (methods.Count == 0) throw new FenceDeviceException("transport=ssh needs a password or identity_file");

        var info = new ConnectionInfo(t.Host, t.Port, t.User, [.. methods]) { Timeout = Bound(t, deadline) };
        // Only the pinned key types are offered, so the server proves the key that is pinned
        // rather than one of another type it also has (OpenSSH orders them the same way).
        var offered = known.KeyTypes.SelectMany(k => k == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : new[] { k }).ToHashSet(StringComparer.Ordinal);
        foreach (var name in info.HostKeyAlgorithms.Keys.Where(n => !offered.Contains(n)).ToList()) info.HostKeyAlgorithms.Remove(name);
        if (info.HostKeyAlgorithms.Count == 0)
            throw new FenceDeviceException($"ssh_known_hosts {t.KnownHostsFile} pins {Name(t)} with key types this agent does not speak ({string.Join(", ", known.KeyTypes)})");

        var client = new SshClient(info);
        var verdict = HostKeyVerdict.Unknown;
        var seen = "";
        client.HostKeyReceived += (_, e) =>
        {
            verdict = known.Check(e.HostKey);
            seen = $"{e.HostKeyName} {KnownHosts.Fingerprint(e.HostKey)}";
            e.CanTrust = verdict == HostKeyVerdict.Pinned;
        };
        try
        {
            log.Debug($"ssh {t.User}@{Name(t)} ({(t.IdentityFile is null ? "" : "key, ")}{(t.Password.Length > 0 ? "password" : "")})");
            client.Connect();
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or ProxyException or IOException)
        {
            client.Dispose();
            throw verdict switch
            {
                HostKeyVerdict.Mismatch => new FenceDeviceException($"{Name(t)} presented host key {seen}, not the one ssh_known_hosts {t.KnownHostsFile} pins ({known.Pinned}): " +
                    "refusing to log in (someone may be in the middle); if the iLO was replaced or re-keyed, check the new key on the iLO and update the file"),
                HostKeyVerdict.Revoked => new FenceDeviceException($"{Name(t)} presented host key {seen}, which ssh_known_hosts {t.KnownHostsFile} marks @revoked: refusing to log in"),
                _ when e is SshAuthenticationException => new FenceDeviceException($"the iLO at {Name(t)} refused the login of {t.User}: {e.Message}"),
                _ when e is SshOperationTimeoutException => new FenceDeviceException($"no SSH login to {Name(t)} within {info.Timeout.TotalSeconds:0.#} s (login_timeout)"),
                _ => new FenceDeviceException($"cannot reach the iLO's SSH server at {Name(t)}: {e.Message}"),
            };
        }
        ShellStream shell;
        try { shell = client.CreateShellStream("vt100", 200, 50, 0, 0, 65536); }
        catch (Exception e) when (e is SshException or IOException)
        {
            client.Dispose();
            throw new FenceDeviceException($"the iLO at {Name(t)} gave no shell: {e.Message}");
        }
        var clp = new SmashClp(client, shell, t, deadline, log);
        clp.UntilPrompt("the login");
        return clp;
    }

    private static TimeSpan Bound(SmashTarget t, Deadline deadline) =>
        TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, Math.Min(t.RequestTimeout.Ticks, deadline.Remaining.Ticks)));

    private string UntilPrompt(string after)
    {
        var text = _shell.Expect(Prompt, Bound(_target, _deadline));
        return text ?? throw new FenceDeviceException($"no CLP prompt from the iLO at {Name(_target)} after {after} within {_target.RequestTimeout.TotalSeconds:0.#} s (login_timeout)");
    }

    /// <summary>Runs one CLP command; its answer when status=0, else the iLO's reason is thrown.</summary>
    public string Run(string command)
    {
        Logging.ActionTrace.Write($"CLP> {command}");
        _shell.Write(command + "\r");
        _shell.Flush();
        var answer = UntilPrompt($"'{command}'");
        Logging.ActionTrace.Write($"CLP< {answer}");
        var status = Status.Match(answer);
        if (!status.Success) throw new FenceDeviceException($"the iLO answered '{command}' without a status line: {Summary(answer)}");
        if (status.Groups[1].Value != "0")
            throw new FenceDeviceException($"the iLO refused '{command}': status={status.Groups[1].Value} {string.Join("; ", Tag.Matches(answer).Select(m => m.Groups[1].Value))}");
        return answer;
    }

    public bool IsPowerOn()
    {
        var answer = Run("power");
        var state = PowerState.Match(answer);
        if (!state.Success) throw new FenceDeviceException($"the iLO's answer to 'power' has no power state: {Summary(answer)}");
        return state.Groups[1].Value.Equals("On", StringComparison.OrdinalIgnoreCase);
    }

    private static string Summary(string answer) =>
        string.Join(" | ", answer.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)) is var s && s.Length > 300 ? s[..300] + "…" : s;

    public void Dispose()
    {
        try
        {
            _shell.Write("exit\r");
            _shell.Flush();
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException) { _log.Debug($"CLP exit: {e.Message}"); }
        _shell.Dispose();
        _client.Dispose();
    }
}
