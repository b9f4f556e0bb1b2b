using System.Globalization;
using System.Text;
using OcfAgents.Fencing;
using OcfAgents.Fencing.Ipmi;
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

    public override IReadOnlyList<FenceParameter> DeviceParameters { get; } =
    [
        new() { Name = "ip", ShortDesc = "IP address or hostname of the BMC", Short = 'a', ValueName = "ip", Required = true, Kind = FenceKind.Host, Aliases = ["ipaddr"] },
        new() { Name = "ipport", ShortDesc = "UDP port of the BMC", Short = 'u', ValueName = "port", Kind = FenceKind.Integer, Default = "623" },
        new() { Name = "username", ShortDesc = "Login name (at most 16 bytes)", Short = 'l', ValueName = "name", Aliases = ["login"] },
        new() { Name = "password", ShortDesc = "Login password (IPMI 2.0: at most 20 bytes, IPMI 1.5: 16)", Short = 'p', ValueName = "password", Secret = true, Aliases = ["passwd"] },
        new() { Name = "lanplus", ShortDesc = "Use IPMI 2.0 RMCP+ (lanplus) instead of IPMI 1.5", Short = 'P', Kind = FenceKind.Boolean, ValueName = null, Default = "0" },
        new() { Name = "cipher", ShortDesc = "RMCP+ cipher suite, 3 or 17 (as ipmitool -C); unset asks the BMC and prefers 17", Short = 'C', ValueName = "cipher", Kind = FenceKind.Select, Choices = ["3", "17"] },
        new() { Name = "privlvl", ShortDesc = "Privilege level on the BMC", Short = 'L', ValueName = "level", Kind = FenceKind.Select, Choices = ["callback", "user", "operator", "administrator"], Default = "administrator" },
        new() { Name = "auth", ShortDesc = "IPMI 1.5 authentication type (lan only); unset prefers md5; none is refused", Short = 'A', ValueName = "auth", Kind = FenceKind.Select, Choices = ["md5", "password", "none"] },
        new() { Name = "hexadecimal_kg", ShortDesc = "Hexadecimal BMC key K_G for RMCP+ (unset: the password is the key)", ValueName = "key", Secret = true },
    ];

    public override IReadOnlyList<ExternalParameter> ExternalParameters { get; } =
    [
        new("hostname", "Hostname", "The name of the host to be managed by this STONITH device.", Required: true, Unique: true),
        new("ipaddr", "IP Address", "The IP address of the STONITH device.", Required: true, Unique: true),
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

    public override IReadOnlyList<string> ExternalHosts(Func<string, string?> env) =>
        env("hostname")?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) ?? [];

    public override void MapExternal(Func<string, string?> env, FenceOptions into)
    {
        into.Set("ip", env("ipaddr") ?? "");
        if (env("userid") is { } user) into.Set("username", user);
        if (env("port") is { } port) into.Set("ipport", port);
        if (env("cipher") is { } cipher) into.Set("cipher", cipher);
        var iface = env("interface") ?? "lan";
        if (iface is not ("lan" or "lanplus")) throw new FenceConfigException($"parameter interface: '{iface}' is not lan or lanplus");
        into.Set("lanplus", iface == "lanplus" ? "1" : "0");
        if (env("priv") is { } priv) into.Set("privlvl", priv.ToLowerInvariant());
        var passwd = env("passwd");
        switch (env("passwd_method") ?? "param")
        {
            case "param" or "env":
                if (passwd is not null) into.Set("password", passwd);
                break;
            case "file":
                if (passwd is null) throw new FenceConfigException("passwd_method file needs passwd to name the password file");
                try { into.Set("password", File.ReadLines(passwd).FirstOrDefault() ?? ""); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                { throw new FenceConfigException($"cannot read the password file {passwd}: {ErrorText.Describe(e)}"); }
                break;
            case var m:
                throw new FenceConfigException($"parameter passwd_method: '{m}' is not param, env or file");
        }
    }

    public override void Validate(FenceOptions o)
    {
        var port = o.Integer("ipport", 623);
        if (port is < 1 or > 65535) throw new FenceConfigException($"parameter ipport: {port} is not a UDP port");
        if (Encoding.UTF8.GetByteCount(o.Get("username") ?? "") > 16) throw new FenceConfigException("parameter username: IPMI user names are at most 16 bytes");
        if (o.Get("auth") == "none")
            throw new FenceConfigException("parameter auth: none is refused: an unauthenticated BMC's \"power is off\" could be forged, and a node still running taken for fenced (use md5 or password, or lanplus)");
        if (!o.Flag("lanplus") && o.IsGiven("cipher")) throw new FenceConfigException("parameter cipher needs lanplus (cipher suites are IPMI 2.0)");
        if (o.Get("hexadecimal_kg") is { Length: > 0 } kg && (kg.Length > 40 || kg.Length % 2 != 0 || !kg.All(Uri.IsHexDigit)))
            throw new FenceConfigException("parameter hexadecimal_kg: not an even number of hex digits (at most 40)");
    }

    public override IPowerSwitch Connect(FenceOptions o, byte[] password, Deadline deadline, Log log)
    {
        var loginTimeout = o.Seconds("login_timeout", TimeSpan.FromSeconds(5));
        var target = new IpmiTarget
        {
            Host = o.Require("ip"),
            Port = (int)o.Integer("ipport", 623),
            User = o.Get("username") ?? "",
            Password = password,
            Interface = o.Flag("lanplus") ? IpmiInterface.LanPlus : IpmiInterface.Lan,
            Cipher = o.Get("cipher") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : null,
            Privilege = o.Get("privlvl") switch
            {
                "callback" => IpmiPrivilege.Callback, "user" => IpmiPrivilege.User, "operator" => IpmiPrivilege.Operator,
                _ => IpmiPrivilege.Administrator,
            },
            LanAuthType = o.Get("auth") switch { "md5" => AuthType.Md5, "password" => AuthType.Password, "none" => AuthType.None, _ => null },
            Kg = o.Get("hexadecimal_kg") is { Length: > 0 } kg ? Convert.FromHexString(kg) : null,
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
