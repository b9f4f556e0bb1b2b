using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

public class CibExampleTests
{
    public static TheoryData<string> Cibs => new(Directory.GetFiles(Path.Combine(Built.RepoRoot, "cib-examples"), "cib.xml", SearchOption.AllDirectories));

    [Theory]
    [MemberData(nameof(Cibs))]
    public void Every_example_CIB_is_crm_verify_clean_without_errors_or_warnings(string cib)
    {
        var r = Run.Command(["crm_verify", "--xml-file", cib, "-V"]);
        Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Equal("", (r.Stdout + r.Stderr).Trim());
    }

    [Fact]
    public void A_broken_CIB_fails_crm_verify_so_the_check_means_something()
    {
        var cib = File.ReadAllText(Path.Combine(Built.RepoRoot, "cib-examples", "shareddata", "cib.xml"));
        var broken = Path.Combine(Directory.CreateTempSubdirectory("cib").FullName, "cib.xml");
        File.WriteAllText(broken, cib.Replace("with-rsc=\"xcat_shared_fs\"", "with-rsc=\"no_such_resource\""));
        Assert.NotEqual(0, Run.Command(["crm_verify", "--xml-file", broken, "-V"]).Code);
    }
}
