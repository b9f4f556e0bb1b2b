using System.Diagnostics;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// fence_ipmi against the RMCP+ stand-in (cipher suites 3 and 17), which the real ipmitool drives
/// first with -C 17; then the BMC misbehaviours ipmi_sim cannot show: no cipher suite list,
/// garbled replies and silence in the middle of a session.
/// </summary>
public sealed class FenceIpmiSuite17Tests(FakeBmc bmc) : IClassFixture<FakeBmc>
{
    private static string Agent => Built.Release("fence_ipmi");

    private string Stdin(string action, string extra = "") =>
        $"action={action}\nip=127.0.0.1\nipport={bmc.Port}\nusername={FakeBmc.User}\npassword={FakeBmc.Password}\nlanplus=1\n{extra}";

    private AgentResult Fence(string action, string extra = "") => Run.Fence(Agent, [], Stdin(action, extra), limit: TimeSpan.FromSeconds(60));

    private AgentResult Ipmitool(string password, params string[] command) =>
        Run.Command(["ipmitool", "-I", "lanplus", "-C", "17", "-H", "127.0.0.1", "-p", bmc.Port.ToString(), "-U", FakeBmc.User, "-E", .. command],
            limit: TimeSpan.FromSeconds(60), env: new Dictionary<string, string> { ["IPMI_PASSWORD"] = password });

    [Fact]
    public void The_real_ipmitool_with_cipher_suite_17_reads_and_switches_power_and_is_refused_a_wrong_password()
    {
        bmc.Fault = BmcFault.None;
        bmc.PowerOn = true;
        bmc.ClearEvents();
        var status = Ipmitool(FakeBmc.Password, "chassis", "power", "status");
        Assert.True(status.Code == 0, status.ToString());
        Assert.Equal("Chassis Power is on", status.Stdout.Trim());
        Assert.Contains("open session suite 17", bmc.Events);

        var off = Ipmitool(FakeBmc.Password, "chassis", "power", "off");
        Assert.True(off.Code == 0, off.ToString());
        Assert.False(bmc.PowerOn);
        Assert.Equal("Chassis Power is off", Ipmitool(FakeBmc.Password, "chassis", "power", "status").Stdout.Trim());

        var wrong = Ipmitool("not-the-password", "chassis", "power", "status");
        Assert.NotEqual(0, wrong.Code);
        Assert.Contains("Unable to establish IPMI v2 / RMCP+ session", wrong.Stderr);
    }

    [Fact]
    public void Cipher_17_status_off_and_reboot_work_and_the_session_is_closed_each_time()
    {
        bmc.Fault = BmcFault.None;
        bmc.PowerOn = true;
        bmc.ClearEvents();
        var status = Fence("status", "cipher=17\nverbose=1\n");
        Assert.True(status.Code == 0, status.ToString());
        Assert.Equal("Status: ON\n", status.Stdout);
        Assert.Contains("open with cipher suite 17", status.Stderr);

        Assert.Equal(0, Fence("off", "cipher=17\n").Code);
        Assert.False(bmc.PowerOn);

        bmc.ClearEvents();
        var reboot = Fence("reboot", "cipher=17\n");
        Assert.True(reboot.Code == 0, reboot.ToString());
        Assert.Equal(["chassis control PowerUp"], bmc.Events.Where(e => e.StartsWith("chassis", StringComparison.Ordinal)));
        Assert.Equal(bmc.Events.Count(e => e.StartsWith("open session", StringComparison.Ordinal)), bmc.Events.Count(e => e == "close session"));
        Assert.True(bmc.PowerOn);
    }

    [Fact]
    public void Without_a_cipher_the_agent_asks_the_BMC_and_prefers_suite_17()
    {
        bmc.Fault = BmcFault.None;
        bmc.PowerOn = true;
        var r = Fence("status", "verbose=1\n");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains("BMC offers cipher suites 3,17; using cipher suite 17", r.Stderr);
    }

    [Fact]
    public void A_BMC_that_does_not_answer_Get_Channel_Cipher_Suites_costs_a_quarter_second_not_ten()
    {
        bmc.Fault = BmcFault.NoCipherSuiteList;
        bmc.PowerOn = true;
        try
        {
            var clock = Stopwatch.StartNew();
            var r = Fence("status", "verbose=1\n");
            clock.Stop();
            Assert.True(r.Code == 0, r.ToString());
            Assert.Contains("cipher suite list unavailable", r.Stderr);
            Assert.Contains("open with cipher suite 3", r.Stderr);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        }
        finally { bmc.Fault = BmcFault.None; }
    }

    [Theory]
    [InlineData(BmcFault.GarbleInSession, "no valid reply")]
    [InlineData(BmcFault.StallInSession, "no reply")]
    public void A_BMC_that_garbles_or_falls_silent_mid_session_fails_within_the_deadline_and_never_reports_off(BmcFault fault, string reason)
    {
        bmc.PowerOn = false;
        bmc.Fault = fault;
        try
        {
            var clock = Stopwatch.StartNew();
            var r = Fence("status", "cipher=17\nlogin_timeout=2\n");
            Assert.Equal(1, r.Code);
            Assert.Contains(reason, FenceChecks.ErrorLine(r));
            Assert.Equal("", r.Stdout);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }
        finally { bmc.Fault = BmcFault.None; }
    }

    [Fact]
    public void A_wrong_password_is_caught_at_RAKP_2_with_suite_17()
    {
        bmc.Fault = BmcFault.None;
        var r = Run.Fence(Agent, [], Stdin("status", "cipher=17\n").Replace($"password={FakeBmc.Password}", "password=wrong"));
        Assert.Equal(1, r.Code);
        Assert.Contains("wrong password for user 'admin'", FenceChecks.ErrorLine(r));
    }

    [Fact]
    public void A_privilege_above_the_users_limit_is_refused_at_RAKP_2_as_ipmitool_reports_it()
    {
        bmc.Fault = BmcFault.None;
        var ipmitool = Run.Command(["ipmitool", "-I", "lanplus", "-C", "17", "-H", "127.0.0.1", "-p", bmc.Port.ToString(), "-U", "oper", "-L", "ADMINISTRATOR", "-E", "-v",
            "chassis", "power", "status"], limit: TimeSpan.FromSeconds(60), env: new Dictionary<string, string> { ["IPMI_PASSWORD"] = "operpass" });
        Assert.NotEqual(0, ipmitool.Code);
        Assert.Contains("RAKP 2 message indicates an error : unauthorized role requested", ipmitool.Stderr);

        var stdin = Stdin("status", "cipher=17\nprivlvl=administrator\n")
            .Replace($"username={FakeBmc.User}", "username=oper").Replace($"password={FakeBmc.Password}", "password=operpass");
        var r = Run.Fence(Agent, [], stdin);
        Assert.Equal(1, r.Code);
        Assert.Contains("user 'oper' may not have privilege Administrator (lower privlvl)", FenceChecks.ErrorLine(r));
        bmc.PowerOn = true;
        var oper = Run.Fence(Agent, [], stdin.Replace("privlvl=administrator", "privlvl=operator"));
        Assert.True(oper.Code == 0, oper.ToString());
    }
}
