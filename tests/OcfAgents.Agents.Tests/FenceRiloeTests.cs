using System.Diagnostics;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// fence_riloe and external/xcat-riloe against the iLO stand-in, which the real fence_ilo
/// (fence-agents, through gnutls-cli) drives first to show the stand-in answers as an iLO does.
/// </summary>
public sealed class FenceRiloeTests(IloSim sim) : IClassFixture<IloSim>
{
    private static string Agent => Built.Release("fence_riloe");
    private AgentResult Fence(string action, string extra = "") => Run.Fence(Agent, [], sim.Stdin(action, extra));
    private static string ErrorLine(AgentResult r) => FenceChecks.ErrorLine(r);

    // ---- the stand-in against the real client --------------------------------------------------------

    private AgentResult FenceIlo(string action, string password = IloSim.Password) =>
        Run.Fence("/usr/sbin/fence_ilo", [],
            $"action={action}\nip=127.0.0.1\nipport={sim.Port}\nlogin={IloSim.User}\npasswd={password}\nssl_insecure=1\npower_wait=0\n",
            limit: TimeSpan.FromSeconds(60));

    [Fact]
    public void The_real_fence_ilo_reads_status_switches_power_reboots_and_is_refused_a_wrong_password_by_the_stand_in()
    {
        sim.SetPower(true);
        var status = FenceIlo("status");
        Assert.True(status.Code == 0, status.ToString());
        Assert.Contains("Status: ON", status.Stdout);

        sim.ClearEvents();
        var off = FenceIlo("off");
        Assert.True(off.Code == 0, off.ToString());
        Assert.False(sim.PowerOn);
        Assert.Equal(2, FenceIlo("status").Code);

        var on = FenceIlo("on");
        Assert.True(on.Code == 0, on.ToString());
        Assert.True(sim.PowerOn);

        sim.ClearEvents();
        var reboot = FenceIlo("reboot");
        Assert.True(reboot.Code == 0, reboot.ToString());
        // fence_ilo on RIBCL ≥ 2.21 firmware presses the button: hold to switch off, press to switch on.
        Assert.Equal(["hold button", "press button"], sim.Events);
        Assert.True(sim.PowerOn);

        sim.ClearEvents();
        var wrong = FenceIlo("status", "not-the-password");
        Assert.Equal(1, wrong.Code);
        Assert.Equal(["login failed"], sim.AllEvents);
    }

    // ---- fence-agent API ------------------------------------------------------------------------------

    [Theory]
    [InlineData("transport=raw\n")]
    [InlineData("transport=http\n")]
    public void Status_reports_the_power_state_with_exit_0_for_on_and_2_for_off(string transport)
    {
        sim.SetPower(true);
        var on = Fence("status", transport);
        Assert.True(on.Code == 0, on.ToString());
        Assert.Equal("Status: ON\n", on.Stdout);
        sim.SetPower(false);
        var off = Fence("status", transport);
        Assert.True(off.Code == 2, off.ToString());
        Assert.Equal("Status: OFF\n", off.Stdout);
        Assert.Contains($"login {IloSim.User} RIBCL 2.0 {transport[10..^1]}", sim.AllEvents);
    }

    [Theory]
    [InlineData("transport=raw\n")]
    [InlineData("transport=http\n")]
    public void Reboot_switches_power_off_then_on_with_SET_HOST_POWER_and_ends_on(string transport)
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var r = Fence("reboot", transport);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Success: Rebooted\n", r.Stdout);
        Assert.Equal(["power off", "power on"], sim.Events);
        Assert.True(sim.PowerOn);
    }

    [Fact]
    public void Off_leaves_the_host_off_and_a_second_off_changes_nothing()
    {
        sim.SetPower(true);
        sim.ClearEvents();
        Assert.Equal(0, Fence("off").Code);
        Assert.False(sim.PowerOn);
        var again = Fence("off");
        Assert.True(again.Code == 0, again.ToString());
        Assert.Equal(["power off"], sim.Events);
    }

    [Fact]
    public void The_button_method_holds_the_power_button_to_switch_off_and_presses_it_to_switch_on()
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var r = Fence("reboot", "power_method=button\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal(["hold button", "press button"], sim.Events);
        Assert.True(sim.PowerOn);
    }

    [Theory]
    [InlineData("reset", "reset")]
    [InlineData("cold_boot", "cold boot")]
    public void Method_cycle_uses_the_iLOs_own_reset_command(string command, string seen)
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var r = Fence("reboot", $"method=cycle\nreset_command={command}\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal([seen], sim.Events);
    }

    [Fact]
    public void Ribcl_version_1_2_is_spoken_when_asked()
    {
        sim.ClearEvents();
        Assert.InRange(Fence("status", "ribcl_version=1.2\n").Code, 0, 2);
        Assert.Contains($"login {IloSim.User} RIBCL 1.2 raw", sim.AllEvents);
    }

    [Fact]
    public void A_wrong_password_fails_with_exit_1_and_the_iLOs_own_message()
    {
        var r = Run.Fence(Agent, [], sim.Stdin("off").Replace($"password={IloSim.Password}", "password=wrong"));
        Assert.Equal(1, r.Code);
        Assert.Contains("Login credentials rejected (STATUS 0x005F); check the user name and password", ErrorLine(r));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void The_certificate_is_verified_by_default_and_only_ssl_insecure_skips_the_check()
    {
        sim.SetPower(true);
        var untrusted = Run.Fence(Agent, [], sim.Stdin("status").Replace($"ssl_ca_file={sim.CertFile}\n", ""));
        Assert.Equal(1, untrusted.Code);
        Assert.Matches("its certificate is not trusted by this system \\(self-signed certificate\\); give its CA in ssl_ca_file, or set ssl_insecure", ErrorLine(untrusted));

        var wrongCa = Run.Fence(Agent, [], sim.Stdin("status").Replace(sim.CertFile, "/etc/ssl/certs/ca-certificates.crt"));
        Assert.Equal(1, wrongCa.Code);
        Assert.Contains("is not signed by a CA in /etc/ssl/certs/ca-certificates.crt", ErrorLine(wrongCa));

        var insecure = Run.Fence(Agent, [], sim.Stdin("status", "ssl_insecure=1\n").Replace($"ssl_ca_file={sim.CertFile}\n", ""));
        Assert.True(insecure.Code == 0, insecure.ToString());

        var both = Fence("status", "ssl_insecure=1\n");
        Assert.Equal(1, both.Code);
        Assert.Contains("contradict", ErrorLine(both));
    }

    [Fact]
    public void A_proxy_is_crossed_with_CONNECT()
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var r = Fence("status", $"proxy_host=127.0.0.1\nproxy_port={sim.ProxyPort}\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains($"proxy CONNECT 127.0.0.1:{sim.Port}", sim.AllEvents);
    }

    [Theory]
    [InlineData("stall", "timed out")]
    [InlineData("garble", "garbled reply from the iLO")]
    [InlineData("truncate", "truncated")]
    public void A_misbehaving_iLO_fails_the_action_within_login_timeout_with_one_reason_and_never_reports_off(string fault, string reason)
    {
        using var bad = IloSim.Start(fault);
        bad.SetPower(false);
        var clock = Stopwatch.StartNew();
        var r = Run.Fence(Agent, [], bad.Stdin("off", "login_timeout=2\n"), limit: TimeSpan.FromSeconds(30));
        Assert.Equal(1, r.Code);
        Assert.Contains(reason, ErrorLine(r));
        Assert.Equal("", r.Stdout);
        // login_timeout=2 bounds each login step; the whole action stays within a few of them.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Nothing_listening_is_reported_as_cannot_reach()
    {
        var r = Run.Fence(Agent, [], sim.Stdin("status").Replace($"ipport={sim.Port}", "ipport=1"));
        Assert.Equal(1, r.Code);
        Assert.Contains("cannot reach the iLO 127.0.0.1:1", ErrorLine(r));
    }

    [Fact]
    public void Command_line_options_are_those_of_fence_ilo()
    {
        sim.SetPower(true);
        var r = Run.Fence(Agent, ["-a", "127.0.0.1", "-u", sim.Port.ToString(), "-l", IloSim.User, "-p", IloSim.Password, "-z", "--ssl-insecure", "-r", "2.0", "-o", "status"]);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("Status: ON\n", r.Stdout);
    }

    [Fact]
    public async Task The_password_is_never_on_a_command_line_nor_in_any_output_or_log()
    {
        sim.SetPower(true);
        var debug = Path.Combine(sim.Dir, "debug.log");
        await FenceChecks.AssertSecretNeverShown(Agent, sim.Stdin("reboot", $"power_wait=0.5\nverbose=1\ndebug_file={debug}\n"), IloSim.Password, debug);
    }

    [Fact]
    public void Metadata_from_stdin_as_Pacemaker_asks_matches_the_golden_file_and_is_well_formed_xml()
    {
        var r = Run.Fence(Agent, [], "action=metadata\n");
        Assert.Equal(0, r.Code);
        FenceChecks.AssertGoldenXml("fence_riloe.metadata.xml", r.Stdout);
        Assert.Contains("<parameter name=\"ssl_insecure\"", r.Stdout);
        Assert.Contains("<parameter name=\"ssl_ca_file\"", r.Stdout);
    }

    // ---- cluster-glue external/ API -------------------------------------------------------------------

    private string[] Params(params string[] overrides)
    {
        string[] seed = ["hostlist=node2", "ilo_hostname=127.0.0.1", $"ilo_user={IloSim.User}", $"ilo_password={IloSim.Password}",
            "ilo_can_reset=0", "ilo_protocol=2.0", "ilo_powerdown_method=power", $"ilo_port={sim.Port}", $"ilo_ca_file={sim.CertFile}"];
        return [.. seed.Where(s => !overrides.Any(o => o.Split('=')[0] == s.Split('=')[0])), .. overrides];
    }

    [Fact]
    public void Stonith_status_and_reset_through_the_external_plugin_switch_power_off_then_on()
    {
        sim.SetPower(true);
        var status = FenceChecks.Stonith(sim.Dir, "xcat-riloe", [.. Params(), "-S"]);
        Assert.True(status.Code == 0, status.ToString());
        sim.ClearEvents();
        var reset = FenceChecks.Stonith(sim.Dir, "xcat-riloe", [.. Params(), "-T", "reset", "node2"]);
        Assert.True(reset.Code == 0, reset.ToString());
        Assert.Equal(["power off", "power on"], sim.Events);
        var foreign = FenceChecks.Stonith(sim.Dir, "xcat-riloe", [.. Params(), "-T", "reset", "node9"]);
        Assert.NotEqual(0, foreign.Code);
        Assert.Equal(["power off", "power on"], sim.Events);
    }

    [Fact]
    public void Stonith_with_ilo_can_reset_uses_RESET_SERVER_and_the_button_method_holds_the_button()
    {
        sim.SetPower(true);
        sim.ClearEvents();
        var reset = FenceChecks.Stonith(sim.Dir, "xcat-riloe", [.. Params("ilo_can_reset=1"), "-T", "reset", "node2"]);
        Assert.True(reset.Code == 0, reset.ToString());
        Assert.Equal(["reset"], sim.Events);
        sim.ClearEvents();
        var button = FenceChecks.Stonith(sim.Dir, "xcat-riloe", [.. Params("ilo_powerdown_method=button"), "-T", "off", "node2"]);
        Assert.True(button.Code == 0, button.ToString());
        Assert.Equal(["hold button"], sim.Events);
    }

    [Fact]
    public void The_seeds_seven_external_riloe_parameters_work_unchanged_against_an_iLO_on_port_443()
    {
        // Exactly the seed's parameters, no port and no CA option: the stand-in listens on
        // 127.0.0.2:443 and its certificate is in the system trust store (bind-mounted over
        // /etc/ssl/certs/ca-certificates.crt inside the mount namespace only).
        using var ilo443 = IloSim.Start("none", "127.0.0.2", 443);
        ilo443.SetPower(true);
        string[] seed = ["hostlist=node2", "ilo_hostname=127.0.0.2", $"ilo_user={IloSim.User}", $"ilo_password={IloSim.Password}",
            "ilo_can_reset=1", "ilo_protocol=2.0", "ilo_powerdown_method=power"];
        var reset = FenceChecks.Stonith(ilo443.Dir, "xcat-riloe", [.. seed, "-T", "reset", "node2"],
            (ilo443.CertFile, "/etc/ssl/certs/ca-certificates.crt"));
        Assert.True(reset.Code == 0, reset.ToString());
        Assert.Equal(["reset"], ilo443.Events);
        Assert.Contains($"login {IloSim.User} RIBCL 2.0 raw", ilo443.AllEvents);
    }

    [Fact]
    public void The_Heartbeat_v1_positional_form_maps_in_external_riloe_order()
    {
        var names = Run.Fence(Built.Release("xcat-riloe"), ["getconfignames"]);
        Assert.Equal("hostlist\nilo_hostname\nilo_user\nilo_password\nilo_can_reset\nilo_protocol\nilo_powerdown_method\nilo_proxyhost\nilo_proxyport\n", names.Stdout);
        var r = FenceChecks.Stonith(sim.Dir, "xcat-riloe", ["-p", "node7 ilo7 Administrator changeme 0 2.0 power - 3128", "-l"]);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("node7", r.Stdout.Trim());
    }

    [Fact]
    public void Getinfo_xml_is_well_formed_and_matches_the_golden_file()
    {
        var r = Run.Fence(Built.Release("xcat-riloe"), ["getinfo-xml"]);
        Assert.Equal(0, r.Code);
        FenceChecks.AssertGoldenXml("xcat-riloe.getinfo.xml", r.Stdout);
        Assert.Contains("<parameter name=\"ilo_powerdown_method\"", r.Stdout);
    }
}
