using System.Xml.Linq;
using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// ocf-harness as a checker for anyone's agents: --safe and --all touch nothing, agents are run
/// as Pacemaker runs them (meta-data bare, no __OCF_ACTION), validation comes before the
/// unknown-action check, the OCF 1.1 schema is built in, and CI gets JUnit and TAP.
/// </summary>
public class HarnessSafeModeTests
{
    /// <summary>
    /// An agent that answers like a healthy one and leaves a mark for every action, with its
    /// environment: a start or stop the harness must not run would show there.
    /// </summary>
    private static string Tripwire(string dir)
    {
        var marks = Path.Combine(dir, "marks");
        Directory.CreateDirectory(marks);
        File.SetUnixFileMode(marks, (UnixFileMode)0b1_111_111_111);
        var path = Path.Combine(dir, "tripwire");
        File.WriteAllText(path, $$"""
            #!/bin/sh
            env > "{{marks}}/$1.$$"
            case "$1" in
            meta-data) cat <<'XML'
            <?xml version="1.0"?>
            <!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
            <resource-agent name="tripwire" version="1.0">
            <version>1.0</version>
            <longdesc lang="en">Marks every action it is given.</longdesc>
            <shortdesc lang="en">Tripwire</shortdesc>
            <parameters>
            <parameter name="where" unique="0" required="0">
            <longdesc lang="en">Anything.</longdesc>
            <shortdesc lang="en">Anything</shortdesc>
            <content type="string" default="here"/>
            </parameter>
            </parameters>
            <actions>
            <action name="start" timeout="20s"/>
            <action name="stop" timeout="20s"/>
            <action name="monitor" timeout="20s" interval="10s"/>
            <action name="meta-data" timeout="5s"/>
            <action name="validate-all" timeout="20s"/>
            </actions>
            </resource-agent>
            XML
                exit 0;;
            validate-all|start|stop) exit 0;;
            monitor) exit 7;;
            *) exit 3;;
            esac
            """);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return marks;
    }

    [Fact]
    public void Safe_all_over_every_heartbeat_agent_starts_and_stops_nothing_and_writes_valid_JUnit_with_one_suite_per_agent()
    {
        // A copy of resource-agents' directory with the tripwire beside them (the agents find
        // ocf-shellfuncs through OCF_ROOT, wherever they are).
        var dir = Directory.CreateTempSubdirectory("harness-all-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var agents = Path.Combine(dir, "heartbeat");
        Directory.CreateDirectory(agents);
        foreach (var f in Directory.GetFiles("/usr/lib/ocf/resource.d/heartbeat")) File.Copy(f, Path.Combine(agents, Path.GetFileName(f)));
        var marks = Tripwire(agents);
        var junit = Path.Combine(dir, "out.xml");
        var r = Run.Command([Harness.Binary, "--safe", "--all", agents, "--junit", junit], TimeSpan.FromMinutes(10));
        Assert.True(r.Code is 0 or 1, r.ToString());

        var actions = Directory.GetFiles(marks).Select(f => Path.GetFileName(f).Split('.')[0]).Distinct().Order().ToList();
        Assert.Equal(["harness-no-such-action", "meta-data", "monitor", "validate-all"], actions);
        Assert.DoesNotContain(Directory.GetFiles(marks), f => File.ReadAllText(f).Contains("__OCF_ACTION"));

        // Every executable file is an agent (resource-agents keeps its .ocf-* helpers beside them, not executable).
        var executables = Directory.GetFiles(agents).Count(f => (File.GetUnixFileMode(f) & UnixFileMode.UserExecute) != 0);
        var lint = Run.Command(["xmllint", "--noout", junit]);
        Assert.True(lint.Code == 0, lint.ToString());
        var doc = XDocument.Load(junit);
        Assert.Equal("testsuites", doc.Root!.Name.LocalName);
        var suites = doc.Root.Elements("testsuite").ToList();
        Assert.Equal(executables, suites.Count);
        foreach (var s in suites)
        {
            var cases = s.Elements("testcase").ToList();
            Assert.NotEmpty(cases);
            Assert.Equal((int)s.Attribute("tests")!, cases.Count);
            Assert.Equal((int)s.Attribute("failures")!, cases.Count(c => c.Element("failure") is not null));
            Assert.Equal((int)s.Attribute("skipped")!, cases.Count(c => c.Element("skipped") is not null));
            Assert.All(cases, c => Assert.False(string.IsNullOrEmpty((string?)c.Attribute("name"))));
        }
        Assert.Equal(suites.Sum(s => (int)s.Attribute("tests")!), (int)doc.Root.Attribute("tests")!);
        var tripwire = suites.Single(s => (string?)s.Attribute("name") == "tripwire");
        Assert.Equal(0, (int)tripwire.Attribute("failures")!);
        // The summary table names every agent once.
        Assert.Contains($"{executables} agents, ", r.Stdout);
        Assert.Matches(@"\ntripwire +\d+ +0 +", r.Stdout);
    }

    [Fact]
    public void Meta_data_runs_bare_as_Pacemaker_runs_it_and_no_action_gets_OCF_ACTION()
    {
        var dir = Directory.CreateTempSubdirectory("harness-env-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var marks = Tripwire(dir);
        var r = Run.Command([Harness.Binary, "--safe", "-o", "where=there", Path.Combine(dir, "tripwire")]);
        Assert.True(r.Code == 0, r.ToString());
        var metaData = Directory.GetFiles(marks, "meta-data.*").Select(File.ReadAllText).ToList();
        Assert.Equal(2, metaData.Count); // as root and as nobody
        Assert.All(metaData, env => Assert.DoesNotContain("OCF_RESKEY_where", env));
        Assert.Contains("OCF_RESKEY_where=there", File.ReadAllText(Directory.GetFiles(marks, "validate-all.*").Single()));
        Assert.DoesNotContain(Directory.GetFiles(marks), f => File.ReadAllText(f).Contains("__OCF_ACTION"));
    }

    [Fact]
    public void An_agent_that_validates_before_it_reads_the_action_is_not_failed_for_it_and_the_built_in_schema_is_used()
    {
        // heartbeat's IPaddr2 refuses any action, an unknown one included, without ip (which its
        // meta-data does not mark required).
        var bare = Run.Command([Harness.Binary, "--safe", "/usr/lib/ocf/resource.d/heartbeat/IPaddr2"]);
        Assert.Equal(6, Run.Agent("/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "no-such-action", []).Code);
        Assert.DoesNotContain("FAIL  an unknown action exits 3", bare.Stdout);
        Assert.Contains("SKIP  an unknown action exits 3 (unimplemented)", bare.Stdout);
        Assert.Contains("PASS  validate-all without parameters exits 0, or refuses with 2, 5 or 6 and an exit reason", bare.Stdout);
        // No --rng: the OCF 1.1 schema inside the binary.
        Assert.Contains("PASS  meta-data is valid against the OCF 1.1 RelaxNG schema (xmllint --relaxng)", bare.Stdout);
        Assert.DoesNotMatch(@"\n  (start|stop) +\d", bare.Stdout);
    }

    [Fact]
    public void Tap_output_has_a_plan_matching_its_test_lines()
    {
        var r = Run.Command([Harness.Binary, "--safe", "--tap", "/usr/lib/ocf/resource.d/heartbeat/Dummy"]);
        Assert.True(r.Code == 0, r.ToString());
        var lines = r.Stdout.Split('\n');
        Assert.Equal("TAP version 13", lines[0]);
        var plan = int.Parse(lines[1]["1..".Length..]);
        Assert.Equal(plan, lines.Count(l => l.StartsWith("ok ") || l.StartsWith("not ok ")));
        Assert.Contains("ok 1 - Dummy: meta-data exits 0", lines);
    }

    [Fact]
    public void The_man_page_renders_with_its_options_exit_status_and_examples()
    {
        var roff = Run.Command([Harness.Binary, "--manpage"]);
        Assert.True(roff.Code == 0, roff.ToString());
        var file = Path.Combine(Directory.CreateTempSubdirectory("harness-man-").FullName, "ocf-harness.8");
        File.WriteAllText(file, roff.Stdout);
        var page = Run.Command(["man", "-l", file], env: new Dictionary<string, string> { ["MANWIDTH"] = "120", ["PAGER"] = "cat" });
        Assert.True(page.Code == 0, page.ToString());
        foreach (var heading in new[] { "SYNOPSIS", "CHECKS", "OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO" })
            Assert.Contains($"\n{heading}\n", page.Stdout);
        foreach (var option in new[] { "--safe", "--all", "--junit", "--tap", "--rng" }) Assert.Contains(option, page.Stdout);
        Assert.Contains("/usr/share/man/man8/ocf-harness.8.gz", File.ReadAllText(Path.Combine(Built.RepoRoot, "packaging", "layout.txt")));
    }
}
