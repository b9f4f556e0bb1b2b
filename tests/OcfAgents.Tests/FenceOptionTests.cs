using OcfAgents.Fencing;

namespace OcfAgents.Tests;

/// <summary>
/// Fence options read by handle: a value given, under its name or an alias, else the one default
/// in the declaration; limits declared with the option are errors when the value is set.
/// </summary>
public sealed class FenceOptionTests
{
    private static readonly FenceOption<long> Port = FenceOption.IpPort("UDP port of the device", "UDP", 623);
    private static readonly FenceOption<string> User = FenceOption.Username("Login name", maxBytes: 16);
    private static readonly FenceOption<string> Password = FenceOption.Password("Login password", maxBytes: 20);

    private static FenceOptions Given(params (string Key, string Value)[] values)
    {
        var options = new FenceOptions([Port, User, Password, .. FenceOption.Common]);
        foreach (var (k, v) in values) options.Set(k, v);
        return options;
    }

    [Fact]
    public void An_option_not_given_reads_as_the_default_its_declaration_documents()
    {
        var o = Given();
        Assert.Equal(623, o.Get(Port));
        Assert.Equal("623", Port.Declaration.Default);
        Assert.Equal(TimeSpan.FromSeconds(20), o.Get(FenceOption.PowerTimeout));
        Assert.Equal("20", FenceOption.PowerTimeout.Declaration.Default);
        Assert.Equal("reboot", o.Get(FenceOption.Action));
        Assert.False(o.Get(FenceOption.Verbose));
        Assert.Equal("", o.Get(User));
    }

    [Fact]
    public void A_value_given_under_the_deprecated_alias_is_read_by_the_main_handle()
    {
        var o = Given(("login", "admin"), ("ipaddr", "ignored: not declared here"), ("port", "node2"));
        Assert.Equal("admin", o.Get(User));
        Assert.Equal("node2", o.Get(FenceOption.Plug));
        Assert.Equal(["ipaddr"], o.Ignored);
    }

    [Theory]
    [InlineData("ipport", "70000", "parameter ipport: 70000 is not a UDP port")]
    [InlineData("ipport", "0", "parameter ipport: 0 is not a UDP port")]
    [InlineData("ipport", "udp", "parameter ipport: 'udp' is not an integer")]
    [InlineData("username", "a-user-name-of-17", "parameter username: 'a-user-name-of-17' is longer than 16 bytes")]
    [InlineData("power_timeout", "-1", "parameter power_timeout: '-1' is not a number of seconds")]
    public void A_value_outside_its_declared_limits_is_an_error_naming_the_option(string key, string value, string expected)
    {
        var o = Given((key, value));
        Assert.Equal([expected], o.Errors);
    }

    [Fact]
    public void A_password_over_its_limit_is_an_error_that_does_not_quote_it()
    {
        var o = Given(("password", "a-secret-of-21-bytes!"));
        Assert.Equal(["parameter password: the value is longer than 20 bytes"], o.Errors);
        Assert.DoesNotContain("secret", string.Join("", o.Errors).Replace("parameter password", ""));
    }

    [Fact]
    public void Multibyte_characters_count_as_the_bytes_a_BMC_receives()
    {
        // 8 characters, 16 bytes in UTF-8: at the limit; one more is over it.
        Assert.Empty(Given(("username", "éééééééé")).Errors);
        Assert.Single(Given(("username", "ééééééééé")).Errors);
    }

    [Fact]
    public void The_same_option_given_twice_with_different_values_is_refused()
    {
        var o = Given(("username", "admin"), ("login", "root"));
        Assert.Equal(["parameter username is given twice with different values (as username and as login)"], o.Errors);
    }
}
