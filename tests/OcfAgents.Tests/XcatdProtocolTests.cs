using OcfAgents.Xcat;

namespace OcfAgents.Tests;

public sealed class XcatdProtocolTests
{
    private const string Stream =
        "<xcatresponse>\n  <data>Version 2.19.0 (git commit 6a9f0b2)</data>\n</xcatresponse>\n" +
        "<xcatresponse>\n  <node>\n    <name>cn1</name>\n    <data>ok &amp; ready</data>\n  </node>\n</xcatresponse>\n" +
        "<xcatresponse>\n  <serverdone></serverdone>\n</xcatresponse>\n";

    [Fact]
    public void The_request_is_xcats_xml_with_one_element_per_line_and_escaped_arguments()
    {
        Assert.Equal("<xcatrequest>\n  <command>lsxcatd</command>\n  <arg>-v</arg>\n  <arg>a&lt;b&amp;c</arg>\n  <clienttype>cli</clienttype>\n</xcatrequest>\n",
            XcatdClient.BuildRequest("lsxcatd", ["-v", "a<b&c"]));
    }

    [Fact]
    public void A_reply_stream_fed_one_character_at_a_time_yields_every_response_up_to_serverdone()
    {
        var reader = new XcatResponseReader();
        var done = false;
        for (var i = 0; i < Stream.Length && !done; i++) done = reader.Feed(Stream.AsSpan(i, 1), final: false);
        Assert.True(done);
        Assert.Equal(3, reader.Responses.Count);
        Assert.Equal(["Version 2.19.0 (git commit 6a9f0b2)"], reader.Responses[0].Values("data"));
        Assert.Equal([("name", "cn1"), ("data", "ok & ready")], reader.Responses[1].Fields);
        Assert.True(reader.Responses[2].ServerDone);
        Assert.False(reader.Responses[0].ServerDone);
    }

    [Fact]
    public void A_stream_that_ends_before_serverdone_is_not_done()
    {
        var reader = new XcatResponseReader();
        Assert.False(reader.Feed(Stream.AsSpan(0, Stream.IndexOf("<xcatresponse>\n  <serverdone>")), final: true));
        Assert.Equal(2, reader.Responses.Count);
    }

    [Theory]
    [InlineData("hello <xcatresponse></xcatresponse>", "text outside <xcatresponse>: 'hello'")]
    [InlineData("<RIBCL VERSION=\"2.22\"></RIBCL>", "document root is <RIBCL>, not <xcatresponse>")]
    [InlineData("<xcatresponse><data>x</error></xcatresponse>", "</error> closes <data>")]
    [InlineData("<xcatresponse><data>x &bogus; y</data></xcatresponse>", "garbled reply from xcatd")]
    public void Anything_but_xcatresponse_documents_is_a_protocol_error_that_says_what_was_wrong(string reply, string expected)
    {
        var e = Assert.Throws<XcatdException>(() => new XcatResponseReader().Feed(reply, final: true));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_stream_cut_inside_a_tag_is_an_error_at_the_end()
    {
        var e = Assert.Throws<XcatdException>(() => new XcatResponseReader().Feed("<xcatresponse><da", final: true));
        Assert.Contains("garbled reply from xcatd", e.Message);
    }
}
