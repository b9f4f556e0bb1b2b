using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>The OCF contract, checked on every built agent binary (release NativeAOT builds from dist/bin).</summary>
public class ContractTests
{
    public static TheoryData<string> AllAgents => new() { "shareddata", "xcatdb", "xcatd", "nfs4replica" };

    private static readonly Dictionary<string, string> NoParams = new();

    [Theory]
    [MemberData(nameof(AllAgents))]
    public void Meta_data_matches_its_golden_file(string agent)
    {
        var r = Run.Agent(Built.Release(agent), "meta-data", NoParams);
        Assert.Equal(0, r.Code);
        Golden.Check($"{agent}.meta-data.xml", r.Stdout);
    }

    [Theory]
    [MemberData(nameof(AllAgents))]
    public void Meta_data_is_valid_against_the_OCF_1_0_DTD_and_the_1_1_RelaxNG_schema(string agent)
    {
        var dir = Directory.CreateTempSubdirectory("md").FullName;
        File.Copy("/usr/share/resource-agents/ra-api-1.dtd", Path.Combine(dir, "ra-api-1.dtd"));
        var file = Path.Combine(dir, "meta-data.xml");
        File.WriteAllText(file, Run.Agent(Built.Release(agent), "meta-data", NoParams).Stdout);
        var dtd = Run.Command(["xmllint", "--noout", "--valid", file]);
        Assert.True(dtd.Code == 0, dtd.Stderr);
        var rng = Run.Command(["xmllint", "--noout", "--relaxng", Built.Schema, file]);
        Assert.True(rng.Code == 0, rng.Stderr);
    }

    /// <summary>The schema that passes our agents must also be able to fail one: each broken copy is refused.</summary>
    [Theory]
    [InlineData("<version>1.1</version>", "", "the standard's version missing")]
    [InlineData("<content type=\"string\"", "<content type=\"float\"", "a content type 1.1 does not name")]
    [InlineData("<action name=\"start\"", "<action", "an action without a name")]
    [InlineData("required=\"1\"", "required=\"yes\"", "required as a word")]
    public void The_OCF_1_1_schema_refuses_broken_meta_data(string from, string to, string what)
    {
        var dir = Directory.CreateTempSubdirectory("md-bad").FullName;
        var file = Path.Combine(dir, "meta-data.xml");
        var good = Run.Agent(Built.Release("shareddata"), "meta-data", NoParams).Stdout;
        Assert.Contains(from, good);
        File.WriteAllText(file, good.Replace(from, to));
        var rng = Run.Command(["xmllint", "--noout", "--relaxng", Built.Schema, file]);
        Assert.True(rng.Code != 0, $"{what}: accepted");
    }

    [Theory]
    [MemberData(nameof(AllAgents))]
    public void Meta_data_runs_as_an_unprivileged_user_without_HOME_and_writes_nothing(string agent)
    {
        var cwd = Directory.CreateTempSubdirectory("md-cwd").FullName;
        File.SetUnixFileMode(cwd, (UnixFileMode)0b111_111_111);
        var r = Run.Agent(Built.PublicCopy(agent), "meta-data", NoParams, asUser: "nobody", workDir: cwd);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("", r.Stderr);
        Assert.Equal(File.ReadAllText(Built.Golden($"{agent}.meta-data.xml")), r.Stdout);
        Assert.Empty(Directory.GetFileSystemEntries(cwd));
    }

    [Theory]
    [MemberData(nameof(AllAgents))]
    public void An_unknown_action_exits_3_with_one_exit_reason(string agent)
    {
        var r = Run.Agent(Built.Release(agent), "promote-everything", NoParams);
        Assert.Equal(3, r.Code);
        Assert.Equal(Reason.Shown("unrecognised action 'promote-everything'"), r.ExitReason);
    }

    [Theory]
    [MemberData(nameof(AllAgents))]
    public void The_man_page_and_usage_are_generated_and_name_every_parameter(string agent)
    {
        var md = System.Xml.Linq.XDocument.Parse(Run.Agent(Built.Release(agent), "meta-data", NoParams).Stdout.Split("]>\n", 2)[1]);
        var man = Run.Agent(Built.Release(agent), "manpage", NoParams);
        var usage = Run.Agent(Built.Release(agent), "usage", NoParams);
        Assert.Equal(0, man.Code);
        Assert.StartsWith($".TH OCF_XCAT_{agent.ToUpperInvariant()} 7", man.Stdout);
        foreach (var name in md.Descendants("parameter").Select(p => (string)p.Attribute("name")!))
        {
            Assert.Contains($".B {name.Replace("-", "\\-")}\n", man.Stdout);
            Assert.Contains($"  {name} (", usage.Stdout);
        }
    }
}
