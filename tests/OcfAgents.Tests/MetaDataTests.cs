using System.Diagnostics;
using System.Xml.Linq;
using OcfAgents.Ocf;

namespace OcfAgents.Tests;

public class MetaDataTests
{
    private static readonly string Xml = MetaData.Generate(new TestAgent());

    [Fact]
    public void Meta_data_carries_every_declared_parameter_with_its_type_and_default()
    {
        var doc = XDocument.Parse(Xml);
        var ps = doc.Root!.Element("parameters")!.Elements("parameter").ToDictionary(p => (string)p.Attribute("name")!);
        // The agent's own, then the tracing switches every agent has (pcs offers them itself only to heartbeat and pacemaker agents).
        Assert.Equal(["name", "count", "flag", "password", "dir", "trace_ra", "trace_file", "trace_dir"], ps.Keys);
        Assert.Equal("1", (string?)ps["name"].Attribute("required"));
        Assert.Equal("integer", (string?)ps["count"].Element("content")!.Attribute("type"));
        Assert.Equal("3", (string?)ps["count"].Element("content")!.Attribute("default"));
        Assert.Equal("1", (string?)ps["flag"].Attribute("reloadable"));
        Assert.Equal("Test agent & <friends>", (string?)doc.Root.Element("shortdesc"));
    }

    [Fact]
    public void A_secret_parameter_never_shows_a_default()
    {
        var password = XDocument.Parse(Xml).Descendants("parameter").Single(p => (string?)p.Attribute("name") == "password");
        Assert.Null(password.Element("content")!.Attribute("default"));
    }

    [Fact]
    public void Monitor_is_advertised_once_per_check_level_and_migration_only_when_supported()
    {
        var actions = XDocument.Parse(Xml).Descendants("action").ToList();
        Assert.Equal(["0", "10"], actions.Where(a => (string?)a.Attribute("name") == "monitor").Select(a => (string)a.Attribute("depth")!));
        Assert.Contains(actions, a => (string?)a.Attribute("name") == "migrate_to");
        Assert.Contains(actions, a => (string?)a.Attribute("name") == "reload-agent");
    }

    [Fact]
    public void Meta_data_is_valid_against_the_OCF_1_0_DTD_that_ocf_tester_uses()
    {
        var dir = Directory.CreateTempSubdirectory("md");
        File.Copy("/usr/share/resource-agents/ra-api-1.dtd", Path.Combine(dir.FullName, "ra-api-1.dtd"));
        var file = Path.Combine(dir.FullName, "md.xml");
        File.WriteAllText(file, Xml);
        var (code, output) = Xmllint("--noout", "--valid", file);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Meta_data_is_valid_against_the_OCF_1_1_RelaxNG_schema()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("md").FullName, "md.xml");
        File.WriteAllText(file, Xml);
        var (code, output) = Xmllint("--noout", "--relaxng", Repo.Schema, file);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void The_DTD_check_is_not_vacuous_an_unknown_action_name_fails_it()
    {
        var dir = Directory.CreateTempSubdirectory("md");
        File.Copy("/usr/share/resource-agents/ra-api-1.dtd", Path.Combine(dir.FullName, "ra-api-1.dtd"));
        var file = Path.Combine(dir.FullName, "md.xml");
        File.WriteAllText(file, Xml.Replace("name=\"validate-all\"", "name=\"validate-everything\""));
        Assert.NotEqual(0, Xmllint("--noout", "--valid", file).Code);
    }

    internal static (int Code, string Output) Xmllint(params string[] args)
    {
        var psi = new ProcessStartInfo("xmllint") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}

internal static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string Schema => Path.Combine(Root, "tests", "schemas", "ocf-ra-api-1.1.rng");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "OcfAgents.sln"))) return d.FullName;
        throw new InvalidOperationException("OcfAgents.sln not found above the test directory");
    }
}
