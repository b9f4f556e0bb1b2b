using System.Diagnostics;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// What a network incident or a broken device hands a fence agent: names that do not resolve,
/// garbage in the address, a BMC that offers no authentication, an iLO whose HTTP framing lies,
/// escape sequences in a device's message. Each ends in exit 1 with one ERROR line, quickly —
/// never a signal, a stack trace, or a fence reported done.
/// </summary>
public sealed class FenceBadInputTests
{
    private static void AssertOneErrorLineQuickly(AgentResult r, Stopwatch clock, string expected)
    {
        Assert.True(r.Code == 1, r.ToString());
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.Contains(expected, FenceChecks.ErrorLine(r));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    public static TheoryData<string, string> BadBmcNames => new()
    {
        { "no-such-bmc.invalid", "cannot resolve 'no-such-bmc.invalid'" },
        { "1.2.3.4 5.6.7.8", "is neither an IP address nor a host name" },
        { new string('b', 1024 * 1024), "is neither an IP address nor a host name" },
        { "bmc\u001b[2J", "'bmc\\x1b[2J' is neither an IP address nor a host name" },
    };

    [Theory]
    [MemberData(nameof(BadBmcNames))]
    public void Fence_ipmi_with_a_BMC_name_that_cannot_be_used_exits_1_with_one_error_line_in_under_2_seconds(string name, string expected)
    {
        var clock = Stopwatch.StartNew();
        var r = Run.Fence(Built.Release("fence_ipmi"), [], $"action=status\nip={name}\nusername=admin\npassword=secret\nlanplus=1\n");
        AssertOneErrorLineQuickly(r, clock, expected);
    }

    [Fact]
    public void The_external_plugin_with_an_unresolvable_BMC_exits_1_with_one_error_line()
    {
        var clock = Stopwatch.StartNew();
        var r = Run.Fence(Built.Release("xcat-ipmi"), ["status"], env: new Dictionary<string, string>
        {
            ["hostname"] = "node2", ["ipaddr"] = "no-such-bmc.invalid", ["userid"] = "admin", ["passwd"] = "secret", ["interface"] = "lanplus",
        });
        AssertOneErrorLineQuickly(r, clock, "cannot resolve 'no-such-bmc.invalid'");
    }

    [Theory]
    [InlineData("lanplus=0\npassword=seventeen-bytes!!", "IPMI 1.5 passwords are at most 16 bytes, this one has 17")]
    [InlineData("lanplus=1\npassword=twenty-one-bytes-long", "the value is longer than 20 bytes")]
    [InlineData("lanplus=0\npassword_script=/bin/echo seventeen-bytes!!", "IPMI 1.5 passwords are at most 16 bytes, this one has 17")]
    [InlineData("lanplus=1\nusername=a-user-name-of-17", "'a-user-name-of-17' is longer than 16 bytes")]
    public void Ipmi_names_and_passwords_beyond_the_spec_limits_are_refused_before_anything_is_sent(string settings, string expected)
    {
        using var bmc = new FakeBmc();
        var clock = Stopwatch.StartNew();
        var r = Run.Fence(Built.Release("fence_ipmi"), [], $"action=off\nip=127.0.0.1\nipport={bmc.Port}\nusername=admin\n{settings}\n");
        AssertOneErrorLineQuickly(r, clock, expected);
        Assert.Empty(bmc.Events);
        Assert.True(bmc.PowerOn);
    }

    [Fact]
    public void Ipmi_1_5_auth_none_is_refused_before_anything_is_sent()
    {
        using var bmc = new FakeBmc();
        var clock = Stopwatch.StartNew();
        var r = Run.Fence(Built.Release("fence_ipmi"), [], $"action=off\nip=127.0.0.1\nipport={bmc.Port}\nusername=admin\npassword=secret\nlanplus=0\nauth=none\n");
        AssertOneErrorLineQuickly(r, clock, "auth: none is refused");
        Assert.Empty(bmc.Events);
        Assert.True(bmc.PowerOn);
    }

    [Theory]
    [InlineData("hugechunk", "chunk of 2147483647 bytes")]
    public void Fence_riloe_with_an_iLO_whose_chunk_size_overflows_exits_1_with_one_error_line_in_under_2_seconds(string fault, string expected)
    {
        using var ilo = IloSim.Start(fault);
        var clock = Stopwatch.StartNew();
        var r = Run.Fence(Built.Release("fence_riloe"), [], ilo.Stdin("status", "transport=http\n"));
        AssertOneErrorLineQuickly(r, clock, expected);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Escape_sequences_from_an_iLO_are_logged_escaped_never_raw()
    {
        using var ilo = IloSim.Start("escapes");
        var r = Run.Fence(Built.Release("fence_riloe"), [], ilo.Stdin("status").Replace($"password={IloSim.Password}", "password=wrong"));
        Assert.True(r.Code == 1, r.ToString());
        var line = FenceChecks.ErrorLine(r);
        Assert.Contains("Login \\x1b[2J\\x1b]0;pwned\\x07credentials", line);
        Assert.DoesNotContain('\u001b', r.Stderr);
        Assert.DoesNotContain('\u0007', r.Stderr);
    }

    /// <summary>
    /// The release executables carry .NET's resource keys instead of its messages; a broken CA
    /// file used to be reported with a key. What reaches the log is a sentence and the file.
    /// </summary>
    [Fact]
    public void A_corrupt_CA_file_is_reported_in_words_naming_the_file_not_with_a_runtime_key()
    {
        using var ilo = IloSim.Start("none");
        var ca = Path.Combine(ilo.Dir, "corrupt-ca.pem");
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n");
        var r = Run.Fence(Built.Release("fence_riloe"), [], ilo.Stdin("status").Replace("ssl_insecure=1\n", "") + $"ssl_ca_file={ca}\n");
        Assert.True(r.Code == 1, r.ToString());
        var line = FenceChecks.ErrorLine(r);
        Assert.Contains($"cannot read ssl_ca_file {ca}: not a valid certificate or key", line);
        Assert.DoesNotMatch(@"\b[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+\b", line.Replace(ca, ""));
    }
}
