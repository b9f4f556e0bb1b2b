using System.Globalization;
using System.Text;
using OcfAgents.Fencing;
using OcfAgents.Ipmi;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Agents.FenceIpmi;

/// <summary>
/// fence_ipmi / external/xcat-ipmi: power fencing through a BMC over IPMI 2.0 (lanplus, cipher
/// suite 3 or 17) or IPMI 1.5 (lan, MD5 or straight password), spoken natively.
/// Options are fence_ipmilan's; external/ parameters are external/ipmi's, plus port.
/// </summary>
public sealed class IpmiFenceDevice : FenceDevice
{
    public override string AgentName => "fence_ipmi";
    public override string ExternalName => "xcat-ipmi";
    public override string ShortDesc => "Fence agent for IPMI (native IPMI 2.0 RMCP+ and IPMI 1.5)";
    public override string LongDesc =>
        "fence_ipmi powers a node off and on through its BMC, speaking IPMI over LAN itself (no ipmitool): " +
        "IPMI 2.0 RMCP+ with cipher suite 3 or 17 (lanplus), or IPMI 1.5 with MD5 or straight password " +
        "authentication (lan). Every action verifies the final power state. Options are those of fence_ipmilan.";
    public override string VendorUrl => "https://www.intel.com/content/www/us/en/products/docs/servers/ipmi/ipmi-second-gen-interface-spec-v2-rev1-1.html";

    /// <summary>IPMI's own limits: user names 16 bytes (§13.20, RAKP 1), passwords 20 bytes in IPMI 2.0 (§13.31) and 16 in IPMI 1.5 (§22.17).</summary>
    private const int MaxUserBytes = 16, MaxPasswordBytesV20 = 20, MaxPasswordBytesV15 = 16;

    public static readonly FenceOption<string> Ip = FenceOption.Ip("IP address or hostname of the BMC");
    public static readonly FenceOption<long> IpPort = FenceOption.IpPort("UDP port of the BMC", "UDP", 623);
    public static readonly FenceOption<string> Username = FenceOption.Username("Login name (at most 16 bytes)", maxBytes: MaxUserBytes);
    public static readonly FenceOption<string> PasswordOption = FenceOption.Password("Login password (IPMI 2.0: at most 20 bytes, IPMI 1.5: 16)", maxBytes: MaxPasswordBytesV20);
    public static readonly FenceOption<bool> LanPlus = FenceOption.Flag(new() { Name = "lanplus", ShortDesc = "Use IPMI 2.0 RMCP+ (lanplus) instead of IPMI 1.5", Short = 'P', Default = "0" });
    public static readonly FenceOption<string> Cipher = FenceOption.Select(new() { Name = "cipher", ShortDesc = "RMCP+ cipher suite, 3 or 17 (as ipmitool -C); unset asks the BMC and prefers 17", Short = 'C', ValueName = "cipher", Choices = ["3", "17"] });
    public static readonly FenceOption<string> PrivLvl = FenceOption.Select(new() { Name = "privlvl", ShortDesc = "Privilege level on the BMC", Short = 'L', ValueName = "level", Choices = ["callback", "user", "operator", "administrator"], Default = "administrator" });
    public static readonly FenceOption<string> Auth = FenceOption.Select(new() { Name = "auth", ShortDesc = "IPMI 1.5 authentication type (lan only); unset prefers md5; none is refused", Short = 'A', ValueName = "auth", Choices = ["md5", "password", "none"] });
    public static readonly FenceOption<string> HexadecimalKg = FenceOption.Text(new() { Name = "hexadecimal_kg", ShortDesc = "Hexadecimal BMC key K_G for RMCP+ (unset: the password is the key)", ValueName = "key", Secret = true });

    public static readonly FenceOption<string> Target = FenceOption.Text(new() { Name = "target", ShortDesc = "Bridge IPMI requests to the remote target address (ipmitool -t): not supported, refused; fence through the node's own BMC", ValueName = "targetaddress" });

    // fence_ipmilan runs ipmitool; these options of it have nothing to act on here.
    private const string NoIpmitool = "IPMI is spoken natively, no ipmitool is run";
    public static readonly FenceOption<string> IpmitoolPath = FenceOption.Accepted("ipmitool_path", NoIpmitool, "path");
    public static readonly FenceOption<string> IpmitoolTimeout = FenceOption.Accepted("ipmitool_timeout", "each IPMI request is bounded by login_timeout (no ipmitool is run)", "timeout");
    public static readonly FenceOption<bool> UseSudo = FenceOption.AcceptedFlag("use_sudo", "no third-party program is run, so nothing needs sudo", aliases: ["sudo"]);
    public static readonly FenceOption<string> SudoPath = FenceOption.Accepted("sudo_path", "no third-party program is run, so nothing needs sudo", "path");

    public override IReadOnlyList<IFenceOption> DeviceOptions { get; } =
        [Ip, IpPort, Username, PasswordOption, LanPlus, Cipher, PrivLvl, Auth, HexadecimalKg, Target, IpmitoolPath, IpmitoolTimeout, UseSudo, SudoPath];

    /// <summary>fence_ipmilanplus: fence_ipmilan's lanplus-by-default name (fence-agents ships it as a link).</summary>
    public override IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Variants { get; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>> { ["fence_ipmilanplus"] = new Dictionary<string, string> { ["lanplus"] = "1" } };

    public override IReadOnlyList<string> SeeAlso => ["fence_ipmilan(8)", "ipmitool(1)", "fence_riloe(8)"];
    public override FenceOption<string> Password => PasswordOption;

    public override IReadOnlyList<ExternalParameter> ExternalParameters { get; } =
    [
        new("hostname", "Hostname", "The name of the host to be managed by this STONITH device.", Required: true, Unique: true),
        new("ipaddr", "IP Address", "The IP address of the STONITH device; ADDRESS:PORT (or [IPv6]:PORT) for a BMC not on UDP port 623.", Required: true, Unique: true),
        new("userid", "Login", "The username used for logging in to the STONITH device."),
        new("passwd", "Password", "The password used for logging in to the STONITH device.", Secret: true),
        new("interface", "IPMI interface", "IPMI interface to use: lan (IPMI 1.5) or lanplus (IPMI 2.0).", Default: "lan"),
        new("passwd_method", "Method for passing passwd", "param or env: passwd is the password; file: passwd names a file whose first line is the password. (The password never reaches a command line either way: there is no ipmitool.)", Default: "param", ConfigName: false),
        new("priv", "The privilege level of the user", "The privilege level of the user, for instance OPERATOR. If unspecified the privilege level is ADMINISTRATOR.", ConfigName: false),
        new("port", "BMC UDP port", "The UDP port of the BMC (external/ipmi has no such parameter).", Default: "623", ConfigName: false),
        new("cipher", "RMCP+ cipher suite", "3 or 17 (lanplus only); unset asks the BMC and prefers 17.", ConfigName: false),
        new("ipmitool", "IPMI command (ignored)", "Accepted so that external/ipmi configurations load unchanged; IPMI is spoken natively.", ConfigName: false),
    ];

    public override (string Id, string Name, string Description, string Url) ExternalInfo =>
        ("IPMI STONITH device", "IPMI STONITH external device (OcfAgents, native IPMI)",
         "Power fencing through a BMC with IPMI 1.5 (lan) or IPMI 2.0 (lanplus), spoken natively. reset is off, verified, then on.",
         "https://www.intel.com/content/www/us/en/products/docs/servers/ipmi/ipmi-home.html");

    public override IReadOnlyList<string> ExternalHosts(ExternalValues env) =>
        env.Given("hostname")?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) ?? [];

    public override void MapExternal(ExternalValues env, FenceOptions into)
    {
        // The positional form (stonith_host, stonith -p) has no port field: "ipaddr:port" (or
        // "[v6addr]:port") carries a BMC's port when it is not 623.
        var ipaddr = env.Given("ipaddr") ?? "";
        var withPort = System.Text.RegularExpressions.Regex.Match(ipaddr, @"^(?:\[(?<host>[^\]]+)\]|(?<host>[^:\[\]]+)):(?<port>\d{1,5})$");
        into.Set(Ip, withPort.Success ? withPort.Groups["host"].Value : ipaddr);
        if (env.Given("userid") is { } user) into.Set(Username, user);
        if (withPort.Success && env.Given("port") is { } both && both != withPort.Groups["port"].Value)
            throw new FenceConfigException($"ipaddr {ipaddr} names port {withPort.Groups["port"].Value} but parameter port is {both}; give it once");
        if (withPort.Success) into.Set(IpPort, withPort.Groups["port"].Value);
        else if (env.Given("port") is { } port) into.Set(IpPort, port);
        if (env.Given("cipher") is { } cipher) into.Set(Cipher, cipher);
        var iface = env.Get("interface");
        if (iface is not ("lan" or "lanplus")) throw new FenceConfigException($"parameter interface: '{iface}' is not lan or lanplus");
        into.Set(LanPlus, iface == "lanplus" ? "1" : "0");
        if (env.Given("priv") is { } priv) into.Set(PrivLvl, priv.ToLowerInvariant());
        var passwd = env.Given("passwd");
        switch (env.Get("passwd_method"))
        {
            case "param" or "env":
                if (passwd is not null) into.Set(PasswordOption, passwd);
                break;
            case "file":
                if (passwd is null) throw new FenceConfigException("passwd_method file needs passwd to name the password file");
                try { into.Set(PasswordOption, File.ReadLines(passwd).FirstOrDefault() ?? ""); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                { throw new FenceConfigException($"cannot read the password file {passwd}: {ErrorText.Describe(e)}"); }
                break;
            case var m:
                throw new FenceConfigException($"parameter passwd_method: '{m}' is not param, env or file");
        }
    }

    public override void Validate(FenceOptions o)
    {
        if (o.Get(Target) is { Length: > 0 } target)
            throw new FenceConfigException($"parameter target: IPMI bridging (to {ErrorText.Printable(target)}) is not supported; a bridged BMC's power command passes through another controller whose state we cannot verify, so fence through the node's own BMC (ip)");
        if (o.Get(Auth) == "none")
            throw new FenceConfigException("parameter auth: none is refused: an unauthenticated BMC's \"power is off\" could be forged, and a node still running taken for fenced (use md5 or password, or lanplus)");
        if (!o.Get(LanPlus) && o.IsGiven(Cipher)) throw new FenceConfigException("parameter cipher needs lanplus (cipher suites are IPMI 2.0)");
        if (o.Get(HexadecimalKg) is { Length: > 0 } kg && (kg.Length > 2 * MaxPasswordBytesV20 || kg.Length % 2 != 0 || !kg.All(Uri.IsHexDigit)))
            throw new FenceConfigException("parameter hexadecimal_kg: not an even number of hex digits (at most 40)");
        if (o.IsGiven(PasswordOption) && !o.IsGiven(FenceOption.PasswordScript))
            ValidatePassword(o, Encoding.UTF8.GetBytes(o.Get(PasswordOption)));
    }

    public override void ValidatePassword(FenceOptions o, byte[] password)
    {
        var (max, version) = o.Get(LanPlus) ? (MaxPasswordBytesV20, "2.0") : (MaxPasswordBytesV15, "1.5");
        if (password.Length > max) throw new FenceConfigException($"parameter password: IPMI {version} passwords are at most {max} bytes, this one has {password.Length}");
    }

    public override IPowerSwitch Connect(FenceOptions o, byte[] password, Deadline deadline, Log log)
    {
        var loginTimeout = o.Get(FenceOption.LoginTimeout);
        var target = new IpmiTarget
        {
            Host = o.Get(Ip),
            Port = (int)o.Get(IpPort),
            User = o.Get(Username),
            Password = password,
            Interface = o.Get(LanPlus) ? IpmiInterface.LanPlus : IpmiInterface.Lan,
            Cipher = o.Get(Cipher) is { Length: > 0 } c ? int.Parse(c, CultureInfo.InvariantCulture) : null,
            Privilege = o.Get(PrivLvl) switch
            {
                "callback" => IpmiPrivilege.Callback, "user" => IpmiPrivilege.User, "operator" => IpmiPrivilege.Operator,
                _ => IpmiPrivilege.Administrator,
            },
            LanAuthType = o.Get(Auth) switch { "md5" => AuthType.Md5, "password" => AuthType.Password, "none" => AuthType.None, _ => null },
            Kg = o.Get(HexadecimalKg) is { Length: > 0 } kg ? Convert.FromHexString(kg) : null,
            // Four tries per request inside login_timeout, each wait between 0.25 and 1 s.
            PacketTimeout = TimeSpan.FromSeconds(Math.Clamp(loginTimeout.TotalSeconds / 4, 0.25, 1)),
        };
        return new Switch(IpmiSession.Open(target, deadline, log));
    }

    private sealed class Switch(IpmiSession session) : IPowerSwitch
    {
        public bool IsOn() => session.IsPowerOn();
        public void PowerOn() => session.Control(ChassisControl.PowerUp);
        public void PowerOff() => session.Control(ChassisControl.PowerDown);
        public void PowerCycle() => session.Control(ChassisControl.PowerCycle);
        public void Dispose() => session.Dispose();
    }
}
