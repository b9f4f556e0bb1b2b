using OcfAgents.Fencing;
using OcfAgents.Ribcl;
using OcfAgents.Ssh;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Agents.FenceRiloe;

/// <summary>
/// fence_riloe / external/xcat-riloe: power fencing through an HP iLO with RIBCL over TLS, on
/// the raw stream (iLO, iLO2) or POST /ribcl (iLO3 and later), or through the SMASH CLP over SSH
/// (iLO3 and later, transport=ssh, as fence_ilo_ssh; host key pinned). Options are fence_ilo's;
/// external/ parameters are external/riloe's (the seed's seven, plus the proxy pair), plus port.
///
/// | action | power method (default)        | button method                 |
/// |--------|-------------------------------|-------------------------------|
/// | off    | SET_HOST_POWER HOST_POWER=No  | HOLD_PWR_BTN                  |
/// | on     | SET_HOST_POWER HOST_POWER=Yes | PRESS_PWR_BTN                 |
/// | cycle  | RESET_SERVER or COLD_BOOT_SERVER (reset_command), only with method=cycle / ilo_can_reset |
/// | ssh    | power off hard / power on / power reset; status: power |
/// Every change is followed by a status query until the state is confirmed.
/// </summary>
public sealed class RiloeFenceDevice : FenceDevice
{
    public override string AgentName => "fence_riloe";
    public override string ExternalName => "xcat-riloe";
    public override string ShortDesc => "Fence agent for HP iLO (RIBCL over TLS)";
    public override string LongDesc =>
        "fence_riloe powers a node off and on through its HP Integrated Lights-Out processor, speaking RIBCL " +
        "over TLS itself: the raw XML stream of iLO and iLO2, or POST /ribcl of iLO3 and later. The iLO's " +
        "certificate is verified unless ssl_insecure is set. transport=ssh speaks the SMASH CLP of iLO3 and later over SSH " +
        "instead (power, power off hard, power on, power reset), for sites that turn the XML interface off: the iLO's host key " +
        "must be pinned in ssh_known_hosts; the login is the password or identity_file. Every action verifies the final power state. " +
        "Options are those of fence_ilo.";
    public override string VendorUrl => "https://www.hpe.com/";

    public static readonly FenceOption<string> Ip = FenceOption.Ip("IP address or hostname of the iLO");
    public static readonly FenceOption<long> IpPort = FenceOption.IpPort("TCP port of the iLO", "TCP", 443);
    public static readonly FenceOption<string> Username = FenceOption.Username("Login name", required: true);
    public static readonly FenceOption<string> PasswordOption = FenceOption.Password("Login password");
    public static readonly FenceOption<bool> SslInsecure = FenceOption.Flag(new() { Name = "ssl_insecure", ShortDesc = "Do not verify the iLO's TLS certificate", Default = "0" });
    public static readonly FenceOption<string> SslCaFile = FenceOption.Text(new() { Name = "ssl_ca_file", ShortDesc = "PEM file with the CA (or the iLO's own certificate) to trust instead of the system's", ValueName = "file" });
    public static readonly FenceOption<bool> Ssl = FenceOption.Flag(new() { Name = "ssl", ShortDesc = "Accepted for compatibility: TLS is always used", Short = 'z' });
    public static readonly FenceOption<bool> SslSecure = FenceOption.Flag(new() { Name = "ssl_secure", ShortDesc = "Accepted for compatibility: the certificate is verified unless ssl_insecure" });
    public static readonly FenceOption<string> RibclVersion = FenceOption.Select(new() { Name = "ribcl_version", ShortDesc = "RIBCL version to speak, 1.2 or 2.0", Short = 'r', ValueName = "version", Choices = ["1.2", "2.0"], Default = "2.0", Aliases = ["ribcl"] });
    public static readonly FenceOption<string> Transport = FenceOption.Select(new() { Name = "transport", ShortDesc = "raw (iLO, iLO2: XML over TLS), http (iLO3 and later: POST /ribcl) or ssh (iLO3 and later: SMASH CLP over SSH, port 22 unless ipport)", ValueName = "transport", Choices = ["raw", "http", "ssh"], Default = "raw" });
    public static readonly FenceOption<string> IdentityFile = FenceOption.Text(new() { Name = "identity_file", ShortDesc = "transport=ssh: private key (OpenSSH format, no passphrase) to log in with", Short = 'k', ValueName = "file" });
    public static readonly FenceOption<string> SshKnownHosts = FenceOption.Text(new() { Name = "ssh_known_hosts", ShortDesc = "transport=ssh: known_hosts file that must pin the iLO's host key (an unknown or changed key is refused)", ValueName = "file", Default = "/etc/ssh/ssh_known_hosts" });
    public static readonly FenceOption<string> PowerMethod = FenceOption.Select(new() { Name = "power_method", ShortDesc = "How to switch power: power (SET_HOST_POWER) or button (HOLD_PWR_BTN / PRESS_PWR_BTN)", ValueName = "method", Choices = ["power", "button"], Default = "power" });
    public static readonly FenceOption<string> ResetCommand = FenceOption.Select(new() { Name = "reset_command", ShortDesc = "The iLO command for method=cycle: reset (RESET_SERVER) or cold_boot (COLD_BOOT_SERVER)", ValueName = "command", Choices = ["reset", "cold_boot"], Default = "reset" });
    public static readonly FenceOption<string> ProxyHost = FenceOption.Text(new() { Name = "proxy_host", ShortDesc = "HTTP proxy to reach the iLO through (CONNECT)", ValueName = "host" });
    public static readonly FenceOption<long> ProxyPort = FenceOption.Port("proxy_port", "TCP port of the HTTP proxy", "TCP", 3128);

    public static readonly FenceOption<bool> NoTls = FenceOption.Flag(new() { Name = "notls", ShortDesc = "Force SSL 3.0 instead of TLS: not supported, refused (SSL 3.0 is broken)", Short = 't' });
    public static readonly FenceOption<bool> Tls10 = FenceOption.AcceptedFlag("tls1.0", "the TLS version is negotiated with the iLO");
    public static readonly FenceOption<string> GnutlsCliPath = FenceOption.Accepted("gnutlscli_path", "TLS is spoken natively, no gnutls-cli is run", "path");

    public override IReadOnlyList<IFenceOption> DeviceOptions { get; } =
        [Ip, IpPort, Username, PasswordOption, SslInsecure, SslCaFile, Ssl, SslSecure, RibclVersion, Transport, IdentityFile, SshKnownHosts, PowerMethod, ResetCommand, ProxyHost, ProxyPort,
         NoTls, Tls10, GnutlsCliPath];

    public override IReadOnlyList<string> SeeAlso => ["fence_ilo(8)", "fence_ipmi(8)"];
    public override FenceOption<string> Password => PasswordOption;

    public override IReadOnlyList<ExternalParameter> ExternalParameters { get; } =
    [
        new("hostlist", "ilo target hostname", "Contains the hostname that the ilo controls", Required: true, Unique: true),
        new("ilo_hostname", "ilo device hostname", "The hostname of the ilo device", Required: true, Unique: true),
        new("ilo_user", "ilo user", "The user for connecting to the ilo device", Default: "Administrator", Required: true),
        new("ilo_password", "password", "The password for the ilo device user", Required: true, Secret: true),
        new("ilo_can_reset", "Device can reset", "1: reset uses RESET_SERVER (or COLD_BOOT_SERVER, see ilo_reset_command) when the host is on; 0: off, verified, then on.", Default: "0"),
        new("ilo_protocol", "ILO Protocol", "RIBCL version supported by the ILO device: 1.2 or 2.0", Default: "1.2"),
        new("ilo_powerdown_method", "Power down method", "power: SET_HOST_POWER; button: hold the power button (HOLD_PWR_BTN), press it to power on.", Default: "power"),
        new("ilo_proxyhost", "Proxy hostname", "proxy hostname if required to access ILO board; empty or - for none"),
        new("ilo_proxyport", "Proxy port", "proxy port if required to access ILO board; ignored if ilo_proxyhost is not set", Default: "3128"),
        new("ilo_port", "iLO TCP port", "The TCP port of the iLO (external/riloe has no such parameter).", Default: "443", ConfigName: false),
        new("ilo_transport", "RIBCL transport", "raw (iLO, iLO2), http (POST /ribcl, iLO3 and later) or ssh (SMASH CLP, iLO3 and later; the host key pinned in /etc/ssh/ssh_known_hosts).", Default: "raw", ConfigName: false),
        new("ilo_ca_file", "CA file", "PEM file with the CA (or the iLO's own certificate) to verify the iLO against.", ConfigName: false),
        new("ilo_ssl_insecure", "Skip certificate check", "1: do not verify the iLO's certificate.", Default: "0", ConfigName: false),
        new("ilo_reset_command", "Reset command", "reset (RESET_SERVER) or cold_boot (COLD_BOOT_SERVER), used when ilo_can_reset is 1.", Default: "reset", ConfigName: false),
    ];

    public override (string Id, string Name, string Description, string Url) ExternalInfo =>
        ("iLO STONITH device", "HP iLO STONITH external device (OcfAgents, RIBCL over TLS)",
         "Power fencing through an HP iLO with RIBCL over TLS (raw stream or POST /ribcl). reset is off, verified, then on (or the iLO's reset with ilo_can_reset).",
         "https://www.hpe.com/");

    public override IReadOnlyList<string> ExternalHosts(ExternalValues env) =>
        env.Given("hostlist")?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) ?? [];

    public override void MapExternal(ExternalValues env, FenceOptions into)
    {
        into.Set(Ip, env.Given("ilo_hostname") ?? "");
        into.Set(Username, env.Get("ilo_user"));
        if (env.Given("ilo_password") is { } password) into.Set(PasswordOption, password);
        var canReset = env.Get("ilo_can_reset");
        into.Set(FenceOption.Method, canReset.Trim() is "0" or "" ? "onoff" : "cycle");
        into.Set(RibclVersion, env.Get("ilo_protocol"));
        into.Set(PowerMethod, env.Get("ilo_powerdown_method"));
        // "-" is "no proxy" for the positional (stonith -p / stonith_host) form, which cannot leave a value empty.
        if (env.Given("ilo_proxyhost") is { Length: > 0 } proxy && proxy != "-")
        {
            into.Set(ProxyHost, proxy);
            if (env.Given("ilo_proxyport") is { } proxyPort) into.Set(ProxyPort, proxyPort);
        }
        if (env.Given("ilo_port") is { } port) into.Set(IpPort, port);
        if (env.Given("ilo_transport") is { } transport) into.Set(Transport, transport);
        if (env.Given("ilo_ca_file") is { Length: > 0 } ca) into.Set(SslCaFile, ca);
        if (env.Given("ilo_ssl_insecure") is { } insecure) into.Set(SslInsecure, insecure);
        if (env.Given("ilo_reset_command") is { } reset) into.Set(ResetCommand, reset);
    }

    public override void Validate(FenceOptions o)
    {
        if (o.Get(Transport) == "ssh")
        {
            if (o.Get(IdentityFile) is { Length: > 0 } key && !File.Exists(key)) throw new FenceConfigException($"parameter identity_file: {key} does not exist");
            if (!File.Exists(o.Get(SshKnownHosts)))
                throw new FenceConfigException($"parameter ssh_known_hosts: {o.Get(SshKnownHosts)} does not exist; transport=ssh logs in only to an iLO whose host key it pins");
            return;
        }
        if (o.Get(NoTls))
            throw new FenceConfigException("parameter notls: SSL 3.0 is not spoken (it is broken: POODLE); an iLO that cannot do TLS 1.0 or later needs a firmware update");
        if (o.Get(SslCaFile) is { Length: > 0 } ca)
        {
            if (o.Get(SslInsecure)) throw new FenceConfigException("ssl_ca_file and ssl_insecure contradict each other: verify against the file, or not at all");
            if (!File.Exists(ca)) throw new FenceConfigException($"parameter ssl_ca_file: {ca} does not exist");
        }
    }

    public override IPowerSwitch Connect(FenceOptions o, byte[] password, Deadline deadline, Log log)
    {
        if (o.Get(Transport) == "ssh")
        {
            var clp = SmashClp.Connect(new SmashTarget
            {
                Host = o.Get(Ip),
                Port = o.IsGiven(IpPort) ? (int)o.Get(IpPort) : 22,
                User = o.Get(Username),
                Password = password,
                IdentityFile = o.Get(IdentityFile) is { Length: > 0 } key ? key : null,
                KnownHostsFile = o.Get(SshKnownHosts),
                RequestTimeout = o.Get(FenceOption.LoginTimeout),
            }, deadline, log);
            return new ClpSwitch(clp);
        }
        var target = new RibclTarget
        {
            Host = o.Get(Ip),
            Port = (int)o.Get(IpPort),
            User = o.Get(Username),
            Password = password,
            Version = o.Get(RibclVersion),
            Transport = o.Get(Transport) == "http" ? RibclTransport.Http : RibclTransport.Raw,
            CaFile = o.Get(SslCaFile) is { Length: > 0 } ca ? ca : null,
            Insecure = o.Get(SslInsecure),
            ProxyHost = o.Get(ProxyHost) is { Length: > 0 } proxy ? proxy : null,
            ProxyPort = (int)o.Get(ProxyPort),
            // One request is connect + TLS + script + reply; login_timeout bounds it (an iLO2 takes ~1-3 s).
            RequestTimeout = o.Get(FenceOption.LoginTimeout),
        };
        return new Switch(new RibclClient(target, deadline, log), o.Get(PowerMethod) == "button", o.Get(ResetCommand) == "cold_boot");
    }

    /// <summary>The SMASH CLP's power verbs; "hard" and the reset are what fencing needs (a momentary press may be ignored by the OS).</summary>
    private sealed class ClpSwitch(SmashClp clp) : IPowerSwitch
    {
        public bool IsOn() => clp.IsPowerOn();
        public void PowerOn() => clp.Run("power on");
        public void PowerOff() => clp.Run("power off hard");
        public void PowerCycle() => clp.Run("power reset");
        public void Dispose() => clp.Dispose();
    }

    private sealed class Switch(RibclClient ilo, bool button, bool coldBoot) : IPowerSwitch
    {
        public bool IsOn() => ilo.IsPowerOn();

        public void PowerOn()
        {
            if (button) ilo.Execute("SERVER_INFO", "write", "PRESS_PWR_BTN");
            else ilo.Execute("SERVER_INFO", "write", "SET_HOST_POWER", ("HOST_POWER", "Yes"));
        }

        public void PowerOff()
        {
            if (button) ilo.Execute("SERVER_INFO", "write", "HOLD_PWR_BTN");
            else ilo.Execute("SERVER_INFO", "write", "SET_HOST_POWER", ("HOST_POWER", "No"));
        }

        public void PowerCycle() => ilo.Execute("SERVER_INFO", "write", coldBoot ? "COLD_BOOT_SERVER" : "RESET_SERVER");

        public void Dispose() { }
    }
}
