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

    public static TheoryData<string> PcsScripts =>
        new(Directory.GetFiles(Path.Combine(Built.RepoRoot, "cib-examples"), "pcs.sh", SearchOption.AllDirectories).Select(f => Path.GetFileName(Path.GetDirectoryName(f)!)));

    /// <summary>
    /// Each example's pcs.sh, run as written by pcs on a CIB file with our agents installed (the
    /// man pages quote its lines), builds what its cib.xml has: the same primitives of the same
    /// agents, groups and clones, as many constraints of each kind, and crm_verify takes it.
    /// </summary>
    [Theory]
    [MemberData(nameof(PcsScripts))]
    public void Every_examples_pcs_script_builds_what_its_cib_xml_has_and_crm_verify_takes_it(string example)
    {
        var dir = Directory.CreateTempSubdirectory($"pcs-{example}.").FullName;
        var r = PcsSandbox.Script(dir, Path.Combine(Built.RepoRoot, "cib-examples", example, "pcs.sh"));
        Assert.True(r.Code == 0, r.ToString());
        var built = Path.Combine(dir, "cib.xml");
        var verify = Run.Command(["crm_verify", "--xml-file", built, "-V"]);
        Assert.True(verify.Code == 0 && (verify.Stdout + verify.Stderr).Trim() == "", verify.ToString());
        static object Shape(System.Xml.Linq.XDocument cib)
        {
            var configuration = cib.Root!.Element("configuration")!;
            return new
            {
                Primitives = string.Join(" ", configuration.Descendants("primitive")
                    .Select(p => $"{p.Attribute("id")?.Value}={p.Attribute("class")?.Value}:{p.Attribute("provider")?.Value}:{p.Attribute("type")?.Value}").Order()),
                Groups = string.Join(" ", configuration.Descendants("group")
                    .Select(g => $"{g.Attribute("id")?.Value}({string.Join(",", g.Elements("primitive").Select(p => p.Attribute("id")?.Value))})").Order()),
                Clones = string.Join(" ", configuration.Descendants("clone").Select(c => c.Attribute("id")?.Value).Order()),
                Constraints = string.Join(" ", configuration.Element("constraints")!.Elements().Select(c => c.Name.LocalName).Order()),
            };
        }
        Assert.Equal(Shape(System.Xml.Linq.XDocument.Load(Path.Combine(Built.RepoRoot, "cib-examples", example, "cib.xml"))),
            Shape(System.Xml.Linq.XDocument.Load(built)));
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
