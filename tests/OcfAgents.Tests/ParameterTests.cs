using OcfAgents.Ocf;

namespace OcfAgents.Tests;

public class ParameterTests
{
    private static ParameterValues Bind(params (string Key, string Value)[] env) =>
        ParameterValues.Bind(new TestAgent().Parameters, env.ToDictionary(e => "OCF_RESKEY_" + e.Key, e => e.Value));

    [Fact]
    public void Defaults_apply_when_a_parameter_is_unset_or_empty()
    {
        var v = Bind(("name", "x"), ("count", ""));
        Assert.True(v.IsValid);
        Assert.Equal(3, v.Get(TestAgent.Count));
        Assert.False(v.Get(TestAgent.Flag));
        Assert.Equal("/var/tmp", v.Get(TestAgent.Dir));
        Assert.False(v.IsGiven(TestAgent.Count));
    }

    [Theory]
    [InlineData("yes", true)] [InlineData("TRUE", true)] [InlineData("1", true)] [InlineData("on", true)]
    [InlineData("no", false)] [InlineData("False", false)] [InlineData("0", false)] [InlineData("off", false)]
    public void Booleans_are_read_the_way_ocf_is_true_reads_them(string raw, bool expected) =>
        Assert.Equal(expected, Bind(("name", "x"), ("flag", raw)).Get(TestAgent.Flag));

    [Theory]
    [InlineData("count", "7", "parameter count: 7 is outside 1..5")]
    [InlineData("count", "three", "parameter count: 'three' is not an integer")]
    [InlineData("flag", "maybe", "parameter flag: 'maybe' is not a boolean (use true or false)")]
    [InlineData("dir", "relative/dir", "parameter dir: 'relative/dir' is not an absolute path")]
    [InlineData("dir", "/a/../b", "parameter dir: '/a/../b' contains '..'")]
    public void Each_bad_value_gets_one_sentence_naming_the_parameter_and_the_value(string key, string raw, string error) =>
        Assert.Equal([error], Bind(("name", "x"), (key, raw)).Errors);

    [Fact]
    public void Absolute_paths_are_normalised_lexically()
    {
        Assert.Equal("/srv/a/b", Bind(("name", "x"), ("dir", "//srv/./a//b/")).Get(TestAgent.Dir));
    }
}
