using OcfAgents.Ribcl;
using OcfAgents.Xml;

namespace OcfAgents.Tests;

/// <summary>
/// The RIBCL reply parser reads whatever an iLO (or anything on port 443) sends. Valid replies
/// parse as a stream of documents; random, mutated and truncated text ends in
/// <see cref="RibclProtocolException"/> or a clean parse, never another exception, never a hang.
/// </summary>
public class RibclTests
{
    // The shape of an iLO2 reply to a GET_HOST_POWER_STATUS script: one document per element.
    private const string StatusReply =
        "<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.22\">\r\n<RESPONSE\r\n    STATUS=\"0x0000\"\r\n    MESSAGE='No error'\r\n     />\r\n</RIBCL>\r\n" +
        "<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.22\">\r\n<RESPONSE STATUS=\"0x0000\" MESSAGE='No error' />\r\n</RIBCL>\r\n" +
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<RIBCL VERSION=\"2.22\">\r\n<RESPONSE STATUS=\"0x0000\" MESSAGE='No error'/>\r\n" +
        "<GET_HOST_POWER\r\n    HOST_POWER=\"OFF\"\r\n    />\r\n</RIBCL>\r\n";

    [Fact]
    public void A_status_reply_parses_as_three_documents_with_the_power_element_in_the_last()
    {
        var reply = RibclReply.Parse(StatusReply);
        Assert.Equal(3, reply.Documents.Count);
        Assert.All(reply.Responses, r => Assert.Equal((0, "No error"), r));
        Assert.Equal("OFF", reply.Find("GET_HOST_POWER")?.Attribute("HOST_POWER"));
    }

    [Fact]
    public void A_non_zero_status_and_an_escaped_message_are_read_as_sent()
    {
        var reply = RibclReply.Parse("<RIBCL VERSION=\"2.22\"><RESPONSE STATUS=\"0x005F\" MESSAGE='Login &quot;x&quot; &amp; &#65;&#x42; rejected.'/></RIBCL>");
        Assert.Equal((0x5F, "Login \"x\" & AB rejected."), Assert.Single(reply.Responses));
    }

    [Fact]
    public void The_double_closed_RIBCL_quirk_of_some_firmware_is_read_as_one_open_document()
    {
        var reply = RibclReply.Parse("<?xml version=\"1.0\"?>\n<RIBCL VERSION=\"2.22\"/>\n<RESPONSE STATUS=\"0x0000\" MESSAGE='No error'/>\n</RIBCL>\n");
        Assert.Equal(0, Assert.Single(reply.Responses).Status);
    }

    [Theory]
    [InlineData("", "empty reply")]
    [InlineData("HTTP/1.1 400 Bad Request\r\n", "text outside a document")]
    [InlineData("<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.22\">\r\n<RESPONSE STATUS=\"0x0000\"", "truncated")]
    [InlineData("<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.22\">\r\n<RESPONSE STATUS=\"0x0000\"/>", "truncated")]
    [InlineData("<?xml version=\"1.0\"?>\r\n", "truncated")]
    [InlineData("<HTML><BODY/></HTML>", "not <RIBCL>")]
    [InlineData("<RIBCL><RESPONSE STATUS=\"zz\"/></RIBCL>", "not hexadecimal")]
    [InlineData("<RIBCL><RESPONSE MESSAGE=\"x\"/></RIBCL>", "without STATUS")]
    [InlineData("<RIBCL><A></B></RIBCL>", "</B> closes <A>")]
    [InlineData("<RIBCL><A X=1/></RIBCL>", "not quoted")]
    [InlineData("<RIBCL><A X=\"&bogus;\"/></RIBCL>", "unknown entity")]
    public void A_reply_that_is_not_RIBCL_is_a_protocol_error_that_says_what_is_wrong(string text, string reason)
    {
        var e = Assert.Throws<RibclProtocolException>(() => RibclReply.Parse(text));
        Assert.Contains(reason, e.Message);
        Assert.StartsWith("garbled reply from the iLO: ", e.Message);
    }

    [Fact]
    public void Lexing_a_stream_cut_at_every_position_gives_the_same_tokens_as_lexing_it_whole()
    {
        var whole = Tokens(StatusReply, StatusReply.Length);
        for (var chunk = 1; chunk < 40; chunk++) Assert.Equal(whole, Tokens(StatusReply, chunk));
    }

    private static List<string> Tokens(string text, int chunk)
    {
        var tokens = new List<string>();
        var pending = "";
        for (var i = 0; i < text.Length; i += chunk)
        {
            pending += text.Substring(i, Math.Min(chunk, text.Length - i));
            while (XmlLexer.Read(pending, final: false, out var t, out var consumed, out _) == XmlLex.Token)
            {
                // Text between tags may arrive in pieces; only tags are compared.
                if (t!.Kind != XmlTokenKind.Text) tokens.Add($"{t.Kind} {t.Name} {string.Join(",", t.Attributes)} {t.SelfClosing}");
                pending = pending[consumed..];
            }
        }
        return tokens;
    }

    private static void ParseOrProtocolError(string text)
    {
        try { RibclReply.Parse(text); }
        catch (RibclProtocolException) { }
    }

    [Fact]
    public void Random_text_only_ever_raises_protocol_errors()
    {
        var rng = new Random(443);
        const string alphabet = "<>/?!=\"' \r\nRIBCLRESPONSTATU0x&#;-abc\u00e9\u0000";
        for (var i = 0; i < 20000; i++)
        {
            var chars = new char[rng.Next(0, 120)];
            for (var j = 0; j < chars.Length; j++) chars[j] = alphabet[rng.Next(alphabet.Length)];
            ParseOrProtocolError(new string(chars));
        }
    }

    [Fact]
    public void Mutated_and_truncated_valid_replies_only_ever_raise_protocol_errors()
    {
        var rng = new Random(2022);
        for (var cut = 0; cut <= StatusReply.Length; cut++) ParseOrProtocolError(StatusReply[..cut]);
        for (var i = 0; i < 20000; i++)
        {
            var c = StatusReply.ToCharArray();
            for (var flips = rng.Next(1, 4); flips > 0; flips--) c[rng.Next(c.Length)] = "<>/\"'=&;? x\0"[rng.Next(12)];
            ParseOrProtocolError(new string(c));
        }
    }
}
