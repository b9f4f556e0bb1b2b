using System.Text;
using OcfAgents.Xcat;

namespace OcfAgents.Tests;

public class CfglocTests
{
    private static Cfgloc.Reading Parse(string text) => Cfgloc.Parse(Encoding.UTF8.GetBytes(text), "/etc/xcat/cfgloc");

    [Fact]
    public void A_PostgreSQL_cfgloc_gives_the_engine_database_host_user_and_password()
    {
        var r = Parse("Pg:dbname=xcatdb;host=10.0.0.1|xcatadm|cluster\n");
        var c = Assert.IsType<Cfgloc>(r.Value);
        Assert.Equal((XcatDbEngine.Postgresql, "xcatdb", "10.0.0.1", "xcatadm", (int?)null), (c.Engine, c.Database, c.Host, c.User, c.Port));
        Assert.Equal("cluster", Encoding.UTF8.GetString(c.Password));
    }

    [Fact]
    public void A_MySQL_cfgloc_with_a_port_and_a_password_containing_bars_keeps_everything_after_the_second_bar()
    {
        var c = Assert.IsType<Cfgloc>(Parse("mysql:dbname=xcatdb;host=mn;port=3307|xcatadmin|pa|ss").Value);
        Assert.Equal((XcatDbEngine.Mysql, 3307), (c.Engine, c.Port));
        Assert.Equal("pa|ss", Encoding.UTF8.GetString(c.Password));
    }

    [Theory]
    [InlineData("Oracle:dbname=x|u|p", "names driver 'Oracle', not Pg or mysql")]
    [InlineData("Pg:dbname=xcatdb", "is not DRIVER:DSN|USER|PASSWORD")]
    [InlineData("Pg:dbname=xcatdb|xcatadm", "has no password field")]
    [InlineData("Pg:host=a|xcatadm|secretpw", "names no dbname")]
    [InlineData("Pg:dbname=x;port=99999|u|secretpw", "port '99999' is not a TCP port")]
    [InlineData("Pg:dbname=x|u|secretpw\nPg:dbname=y|u|p", "more than one line")]
    [InlineData("Pg:dbname=x;junk|u|secretpw", "'junk' is not key=value")]
    public void A_malformed_cfgloc_is_a_sentence_naming_the_file_and_never_the_password(string text, string problem)
    {
        var r = Parse(text);
        Assert.Null(r.Value);
        Assert.Contains(problem, r.Problem);
        Assert.Contains("/etc/xcat/cfgloc", r.Problem);
        Assert.DoesNotContain("secretpw", r.Problem);
    }

    [Fact]
    public void No_cfgloc_means_SQLite_and_an_unreadable_one_is_a_problem()
    {
        var dir = Directory.CreateTempSubdirectory("cfgloc.").FullName;
        try
        {
            Assert.Equal(new Cfgloc.Reading(false, null, null), Cfgloc.Read(Path.Combine(dir, "cfgloc")));
            Assert.Contains("is a directory", Cfgloc.Read(dir).Problem);
        }
        finally { Directory.Delete(dir, true); }
    }
}
