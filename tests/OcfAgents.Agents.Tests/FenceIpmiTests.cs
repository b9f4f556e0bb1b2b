using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>fence_ipmi and external/xcat-ipmi against the real ipmi_sim (OpenIPMI) on loopback.</summary>
[Collection("ipmi")]
public sealed class FenceIpmiTests(IpmiSim sim) : IClassFixture<IpmiSim>
{
    private static string Agent => Built.Release("fence_ipmi");

    private AgentResult Fence(string action, string extra = "") => Run.Fence(Agent, [], sim.Stdin(action, extra));

    private static string ErrorLine(AgentResult r) => FenceChecks.ErrorLine(r);

    [Theory]
    [InlineData("lanplus=1\ncipher=3\n")]
    [InlineData("lanplus=0\nauth=md5\n")]
    [InlineData("lanplus=0\nauth=password\n")]
    public void Status_reports_the_simulated_power_state_with_exit_0_for_on_and_2_for_off(string transport)
    {
        sim.SetPower(true);
        var on = Fence("status", transport);
        Assert.True(on.Code == 0, on.ToString());
        Assert.Equal("Status: ON\n", on.Stdout);

        sim.SetPower(false);
        var off = Fence("status", transport);
        Assert.True(off.Code == 2, off.ToString());
        Assert.Equal("Status: OFF\n", off.Stdout);
    }

    /// <summary>
    /// RMCP+ with cipher suite 3 needs HMAC-SHA1, AES-CBC-128 and random numbers, IPMI v1.5 MD5;
    /// fence_ipmi has its own (lib/OcfAgents.Ipmi: Sha.cs, Md5.cs, AesCbc128.cs; Sys/SecureRandom.cs),
    /// so a reboot, the longest fencing action, never starts OpenSSL (linked in for AES on a CPU
    /// without AES instructions): under strace it opens no shared object and not the OpenSSL
    /// configuration that OpenSSL reads when it is initialised (fence_riloe's TLS does).
    /// </summary>
    [Theory]
    [InlineData("lanplus=1\ncipher=3\n")]
    [InlineData("lanplus=0\nauth=md5\n")]
    public void A_reboot_never_starts_OpenSSL(string transport)
    {
        sim.SetPower(true);
        var trace = Path.Combine(Path.GetTempPath(), $"fence_ipmi-{Guid.NewGuid():N}.strace");
        try
        {
            var r = Run.Command(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", trace, Agent],
                stdin: sim.Stdin("reboot", transport + "power_wait=0\n"));
            Assert.True(r.Code == 0, r.ToString());
            var opened = File.ReadAllLines(trace);
            Assert.Contains(opened, l => l.Contains("openat("));
            Assert.DoesNotContain(opened, l => l.Contains(".so\"") || l.Contains(".so."));
            Assert.DoesNotContain(opened, l => l.Contains("openssl.cnf"));
        }
        finally { File.Delete(trace); }
        Assert.True(sim.PowerOn);
    }

    [Fact]
    public void Off_powers_the_node_off_and_ipmitool_sees_it_off()
    {
        sim.SetPower(true);
        var r = Fence("off", "lanplus=1\ncipher=3\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Success: Powered OFF\n", r.Stdout);
        Assert.False(sim.PowerOn);
        var ipmitool = Run.Command(["ipmitool", "-I", "lanplus", "-C", "3", "-H", "127.0.0.1", "-p", sim.Port.ToString(),
            "-U", IpmiSim.User, "-E", "chassis", "power", "status"], env: new Dictionary<string, string> { ["IPMI_PASSWORD"] = IpmiSim.Password });
        Assert.Equal("Chassis Power is off", ipmitool.Stdout.Trim());
    }

    /// <summary>fence_ipmilanplus is fence_ipmilan with lanplus on by default (fence-agents ships it as a link); ours is fence_ipmi under that name.</summary>
    [Fact]
    public void Fence_ipmilanplus_speaks_IPMI_2_0_unless_told_lanplus_0_and_says_so_in_its_meta_data()
    {
        sim.SetPower(true);
        var plus = Run.Fence(Built.Release("fence_ipmilanplus"), [], sim.Stdin("status", "verbose=1\n"));
        Assert.True(plus.Code == 0, plus.ToString());
        Assert.Contains("RMCP+ session", plus.Stderr);
        var lan = Run.Fence(Built.Release("fence_ipmilanplus"), [], sim.Stdin("status", "verbose=1\nlanplus=0\n"));
        Assert.True(lan.Code == 0, lan.ToString());
        Assert.Contains("IPMI v1.5 session", lan.Stderr);
        var plain = Run.Fence(Built.Release("fence_ipmi"), [], sim.Stdin("status", "verbose=1\n"));
        Assert.Contains("IPMI v1.5 session", plain.Stderr);

        var md = System.Xml.Linq.XDocument.Parse(Run.Fence(Built.Release("fence_ipmilanplus"), ["-o", "metadata"]).Stdout);
        Assert.Equal("fence_ipmilanplus", (string?)md.Root!.Attribute("name"));
        var lanplus = md.Descendants("parameter").Single(p => (string?)p.Attribute("name") == "lanplus");
        Assert.Equal("1", (string?)lanplus.Element("content")!.Attribute("default"));
    }

    [Fact]
    public void On_powers_the_node_on_over_ipmi_1_5()
    {
        sim.SetPower(false);
        var r = Fence("on", "lanplus=0\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.True(sim.PowerOn);
    }

    [Fact]
    public void Reboot_powers_off_then_on_in_that_order()
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var r = Fence("reboot", "lanplus=1\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Success: Rebooted\n", r.Stdout);
        Assert.Equal(["power 0", "power 1"], sim.Events);
        Assert.True(sim.PowerOn);
    }

    [Fact]
    public void Reboot_of_a_node_that_is_already_off_only_powers_it_on()
    {
        sim.SetPower(false);
        sim.ClearEvents();
        var r = Fence("reboot", "lanplus=1\ncipher=3\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(["power 1"], sim.Events);
    }

    [Fact]
    public void Without_a_cipher_the_agent_asks_the_BMC_and_uses_suite_3_when_17_is_not_offered()
    {
        sim.SetPower(true);
        var r = Fence("status", "lanplus=1\nverbose=1\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Matches("offers cipher suites [0-9,]*\\b3\\b[0-9,]*; using cipher suite 3", r.Stderr);
        Assert.DoesNotMatch("offers cipher suites .*\\b17\\b", r.Stderr);
        Assert.Contains("open with cipher suite 3", r.Stderr);
    }

    [Fact]
    public void A_wrong_password_over_lanplus_fails_with_exit_1_and_says_the_password_is_wrong()
    {
        var r = Run.Fence(Agent, [], sim.Stdin("status", "lanplus=1\ncipher=3\n").Replace($"password={IpmiSim.Password}", "password=wrong"));
        Assert.Equal(1, r.Code);
        Assert.Contains("wrong password for user 'admin'", ErrorLine(r));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_wrong_password_over_lan_fails_within_login_timeout_naming_Activate_Session()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var r = Run.Fence(Agent, [], sim.Stdin("off", "lanplus=0\nlogin_timeout=1\n").Replace($"password={IpmiSim.Password}", "password=wrong"));
        // login_timeout bounds the login, and the agent's own start and exit add well under a second.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(1, r.Code);
        Assert.Contains("Activate Session", ErrorLine(r));
    }

    [Fact]
    public void Privlvl_operator_opens_an_operator_session_for_another_user()
    {
        // ipmi_sim grants any privilege up to the channel limit whatever the user's own limit
        // (ipmitool -L ADMINISTRATOR succeeds for "oper" too), so only the request is checked here.
        sim.SetPower(true);
        var stdin = sim.Stdin("status", "lanplus=1\ncipher=3\nverbose=1\nprivlvl=operator\n")
            .Replace($"username={IpmiSim.User}", "username=oper").Replace($"password={IpmiSim.Password}", "password=operpass");
        var oper = Run.Fence(Agent, [], stdin);
        Assert.True(oper.Code == 0, oper.ToString());
        Assert.Contains("session privilege Operator", oper.Stderr);
    }

    [Fact]
    public void A_BMC_that_never_answers_fails_within_the_deadline_with_one_error_line()
    {
        var silent = IpmiSim.FreeUdpPort();
        var r = Run.Fence(Agent, [], sim.Stdin("status", "lanplus=1\nlogin_timeout=1\n").Replace($"ipport={sim.Port}", $"ipport={silent}"),
            limit: TimeSpan.FromSeconds(30));
        Assert.Equal(1, r.Code);
        Assert.Matches("no (valid )?reply", ErrorLine(r));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Command_line_options_are_those_of_fence_ipmilan_and_the_last_repeat_wins()
    {
        sim.SetPower(true);
        var r = Run.Fence(Agent, ["-a", "127.0.0.1", "-u", sim.Port.ToString(), "-l", IpmiSim.User, "-p", "first", "-p", IpmiSim.Password, "-P", "-C", "3", "-o", "status"]);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Status: ON\n", r.Stdout);
        var bad = Run.Fence(Agent, ["--ip", "127.0.0.1", "--no-such-option", "-o", "status"]);
        Assert.Equal(1, bad.Code);
        Assert.Contains("--no-such-option", ErrorLine(bad));
    }

    [Fact]
    public void Deprecated_names_ipaddr_login_and_passwd_are_read_like_ip_username_and_password()
    {
        sim.SetPower(false);
        var r = Run.Fence(Agent, [], $"action=status\nipaddr=127.0.0.1\nipport={sim.Port}\nlogin={IpmiSim.User}\npasswd={IpmiSim.Password}\nlanplus=1\nnodename=node2\nport=node2\n");
        Assert.True(r.Code == 2, r.ToString());
    }

    [Fact]
    public void An_unknown_action_is_reported_with_the_word_Pacemaker_greps_for()
    {
        var r = Fence("explode");
        Assert.Equal(1, r.Code);
        Assert.Contains("not one of", ErrorLine(r));
    }

    [Fact]
    public void A_missing_ip_is_a_configuration_error_naming_the_parameter()
    {
        var r = Run.Fence(Agent, [], "action=status\nusername=admin\n");
        Assert.Equal(1, r.Code);
        Assert.Contains("parameter ip is required", ErrorLine(r));
    }

    [Fact]
    public async Task The_password_is_never_on_a_command_line_nor_in_any_output_or_log()
    {
        sim.SetPower(true);
        var debug = Path.Combine(sim.Dir, "debug.log");
        await FenceChecks.AssertSecretNeverShown(Agent, sim.Stdin("reboot", $"lanplus=1\npower_wait=1\nverbose=1\ndebug_file={debug}\n"), IpmiSim.Password, debug);
    }

    [Fact]
    public void Metadata_from_stdin_as_Pacemaker_asks_matches_the_golden_file_and_is_well_formed_xml()
    {
        var r = Run.Fence(Agent, [], "action=metadata\n");
        Assert.Equal(0, r.Code);
        FenceChecks.AssertGoldenXml("fence_ipmi.metadata.xml", r.Stdout);
        Assert.Contains("<action name=\"reboot\"", r.Stdout);
        Assert.Contains("obsoletes=\"ipaddr\"", r.Stdout);
        Assert.DoesNotContain("default=\"secret\"", r.Stdout);
    }

    // ---- cluster-glue external/ API -----------------------------------------------------------------

    private AgentResult Stonith(params string[] args) => FenceChecks.Stonith(sim.Dir, "xcat-ipmi", args);

    private string[] Params(string iface = "lanplus") =>
        ["hostname=node2", "ipaddr=127.0.0.1", $"port={sim.Port}", $"userid={IpmiSim.User}", $"passwd={IpmiSim.Password}", $"interface={iface}"];

    [Fact]
    public void Stonith_status_through_the_external_plugin_reaches_the_BMC()
    {
        var r = Stonith([.. Params(), "-S"]);
        Assert.True(r.Code == 0, r.ToString());
        var wrong = Stonith([.. Params().Select(p => p.StartsWith("passwd=") ? "passwd=wrong" : p), "-S"]);
        Assert.NotEqual(0, wrong.Code);
    }

    [Theory]
    [InlineData("lan")]
    [InlineData("lanplus")]
    public void Stonith_reset_through_the_external_plugin_powers_off_then_on(string iface)
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var r = Stonith([.. Params(iface), "-T", "reset", "node2"]);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(["power 0", "power 1"], sim.Events);
    }

    [Fact]
    public void Stonith_refuses_to_reset_a_host_the_device_does_not_fence()
    {
        sim.ClearEvents();
        var r = Stonith([.. Params(), "-T", "reset", "node9"]);
        Assert.NotEqual(0, r.Code);
        Assert.Empty(sim.Events);
    }

    [Fact]
    public void The_Heartbeat_v1_positional_form_maps_in_external_ipmi_order()
    {
        var names = Run.Fence(Built.Release("xcat-ipmi"), ["getconfignames"]);
        Assert.Equal("hostname\nipaddr\nuserid\npasswd\ninterface\n", names.Stdout);
        var r = Stonith("-p", "oss02 10.0.0.2 root changeme lanplus", "-l");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("oss02", r.Stdout.Trim());
    }

    /// <summary>The positional form has no port field: ipaddr carries it as ADDRESS:PORT for a BMC not on 623.</summary>
    [Fact]
    public void The_positional_form_reaches_a_BMC_on_another_port_through_ipaddr_with_the_port()
    {
        sim.SetPower(true);
        var r = Stonith("-p", $"oss02 127.0.0.1:{sim.Port} {IpmiSim.User} {IpmiSim.Password} lanplus", "-S");
        Assert.True(r.Code == 0, r.ToString());
        Assert.NotEqual(0, Stonith("-p", $"oss02 127.0.0.1 {IpmiSim.User} {IpmiSim.Password} lanplus", "-S").Code); // nothing on 623
        var conflicting = Run.Fence(Built.Release("xcat-ipmi"), ["status"], env: new Dictionary<string, string>
        {
            ["hostname"] = "oss02", ["ipaddr"] = $"127.0.0.1:{sim.Port}", ["port"] = "624", ["userid"] = IpmiSim.User, ["passwd"] = IpmiSim.Password, ["interface"] = "lanplus",
        });
        Assert.NotEqual(0, conflicting.Code);
        Assert.Contains($"ipaddr 127.0.0.1:{sim.Port} names port {sim.Port} but parameter port is 624; give it once", conflicting.Stdout + conflicting.Stderr);
    }

    [Fact]
    public void Getinfo_xml_is_well_formed_and_matches_the_golden_file()
    {
        var r = Run.Fence(Built.Release("xcat-ipmi"), ["getinfo-xml"]);
        Assert.Equal(0, r.Code);
        FenceChecks.AssertGoldenXml("xcat-ipmi.getinfo.xml", r.Stdout);
    }
}
