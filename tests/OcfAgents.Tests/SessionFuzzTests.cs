using System.Diagnostics;
using System.Text;
using OcfAgents.Fencing;
using OcfAgents.Ribcl;
using OcfAgents.Xcat;

namespace OcfAgents.Tests;

/// <summary>
/// The layers above the wire parsers take whatever a device, a man in the middle or a disk hands
/// them: HTTP framing and chunking from an iLO, the xcatd reply stream, cfgloc. Random and
/// mutated input (seeded: every run is the same run) must end in the layer's own failure — the
/// one the agent turns into its reason — or a clean parse: never another exception, and every
/// case within its time limit (a parser that loops on a length is a hung monitor).
/// </summary>
public class SessionFuzzTests
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="parse"/>; the exception types in <paramref name="expected"/> are the layer's failures.</summary>
    private static void Case(Action parse, string input, params Type[] expected)
    {
        var clock = Stopwatch.StartNew();
        try { parse(); }
        catch (Exception e) when (expected.Any(t => t.IsInstanceOfType(e))) { }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message}\ninput: {Escape(input)}");
        }
        Assert.True(clock.Elapsed < PerCase, $"took {clock.Elapsed} on input {Escape(input)}");
    }

    private static string Escape(string s) => s.Length > 300 ? Sys.ErrorText.Printable(s[..300]) + "…" : Sys.ErrorText.Printable(s);

    private static string Mutate(Random rng, string seed, string alphabet)
    {
        var chars = seed.ToCharArray().ToList();
        for (var edits = rng.Next(1, 5); edits > 0; edits--)
        {
            var at = rng.Next(chars.Count + 1);
            switch (rng.Next(4))
            {
                case 0 when chars.Count > 0 && at < chars.Count: chars.RemoveAt(at); break;
                case 1: chars.Insert(at, alphabet[rng.Next(alphabet.Length)]); break;
                case 2 when at < chars.Count: chars[at] = alphabet[rng.Next(alphabet.Length)]; break;
                default: chars.InsertRange(at, alphabet.Substring(rng.Next(alphabet.Length - 8), 8)); break;
            }
        }
        return new string(chars.ToArray());
    }

    // ---- HTTP framing and chunking (POST /ribcl on iLO3 and later) ---------------------------------

    private const string Body = "<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.23\">\r\n<RESPONSE STATUS=\"0x0000\" MESSAGE='No error' />\r\n</RIBCL>\r\n";

    private static readonly string[] HttpSeeds =
    [
        $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{Body.Length:x}\r\n{Body}\r\n0\r\n\r\n",
        $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{Body[..16]}\r\n{Body.Length - 16:X};ext=1\r\n{Body[16..]}\r\n0\r\n\r\n",
        $"HTTP/1.1 200 OK\r\nContent-Length: {Body.Length}\r\n\r\n{Body}",
        $"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{Body}",
    ];

    private const string HttpAlphabet = "0123456789abcdefABCDEF7FFFFFFF-+; :\r\n\r\nHTTP/1.1 200 OKContent-Length: Transfer-Encoding: chunked\0\u00ff<>";

    [Fact]
    public void Every_valid_HTTP_framing_of_a_RIBCL_reply_gives_back_the_body()
    {
        foreach (var seed in HttpSeeds) Assert.Equal(Body, RibclClient.HttpBody(seed, "ilo"));
    }

    [Fact]
    public void Truncated_mutated_and_random_HTTP_replies_only_ever_fail_as_a_garbled_iLO_reply()
    {
        var rng = new Random(443);
        foreach (var seed in HttpSeeds)
        {
            for (var cut = 0; cut <= seed.Length; cut++)
            {
                var input = seed[..cut];
                Case(() => RibclClient.HttpBody(input, "ilo"), input, typeof(FenceDeviceException));
            }
            for (var i = 0; i < 3000; i++)
            {
                var input = Mutate(rng, seed, HttpAlphabet);
                Case(() => RibclClient.HttpBody(input, "ilo"), input, typeof(FenceDeviceException));
            }
        }
        for (var i = 0; i < 3000; i++)
        {
            var input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                new string(Enumerable.Range(0, rng.Next(0, 80)).Select(_ => HttpAlphabet[rng.Next(HttpAlphabet.Length)]).ToArray());
            Case(() => RibclClient.HttpBody(input, "ilo"), input, typeof(FenceDeviceException));
        }
    }

    [Theory]
    [InlineData("7FFFFFFF")]
    [InlineData("FFFFFFFF")]
    [InlineData("80000000")]
    [InlineData("FFFFFFFFFFFFFFFFFFFF")]
    [InlineData("-1")]
    public void A_chunk_size_near_or_beyond_the_integer_range_is_a_garbled_reply(string size)
    {
        var input = $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\n{Body}\r\n0\r\n\r\n";
        var e = Assert.ThrowsAny<FenceDeviceException>(() => RibclClient.HttpBody(input, "ilo"));
        Assert.StartsWith("garbled reply from the iLO", e.Message);
    }

    // ---- the xcatd reply stream --------------------------------------------------------------------

    private const string XcatdReply =
        "<xcatresponse>\n<data>Version 2.19.0 (git commit 0123abc, built Mon Jan  1 00:00:00 UTC 2024)</data>\n</xcatresponse>\n" +
        "<xcatresponse>\n<serverdone>\n</serverdone>\n</xcatresponse>\n";

    private const string XmlAlphabet = "<>/=\"'&;!?-[]CDATAxcatresponse serverdone data errorcode error \n\t\0\u00e9\uffff";

    /// <summary>Feeds <paramref name="input"/> in pieces of random size, as TLS records arrive.</summary>
    private static void FeedInPieces(string input, Random rng)
    {
        var reader = new XcatResponseReader();
        var at = 0;
        while (at < input.Length)
        {
            var n = Math.Min(input.Length - at, rng.Next(1, 40));
            if (reader.Feed(input.AsSpan(at, n), final: at + n == input.Length)) return;
            at += n;
        }
        reader.Feed([], final: true);
    }

    [Fact]
    public void The_xcatd_reply_stream_read_in_any_pieces_ends_at_serverdone()
    {
        var rng = new Random(3001);
        for (var i = 0; i < 200; i++)
        {
            var reader = new XcatResponseReader();
            var done = false;
            for (var at = 0; at < XcatdReply.Length && !done;)
            {
                var n = Math.Min(XcatdReply.Length - at, rng.Next(1, 30));
                done = reader.Feed(XcatdReply.AsSpan(at, n), final: at + n == XcatdReply.Length);
                at += n;
            }
            Assert.True(done);
            Assert.Equal(2, reader.Responses.Count);
        }
    }

    [Fact]
    public void Truncated_mutated_and_random_xcatd_replies_only_ever_fail_as_an_xcatd_error()
    {
        var rng = new Random(3002);
        for (var cut = 0; cut <= XcatdReply.Length; cut++)
        {
            var input = XcatdReply[..cut];
            Case(() => FeedInPieces(input, rng), input, typeof(XcatdException));
        }
        for (var i = 0; i < 5000; i++)
        {
            var input = Mutate(rng, XcatdReply, XmlAlphabet);
            Case(() => FeedInPieces(input, rng), input, typeof(XcatdException));
        }
        for (var i = 0; i < 3000; i++)
        {
            var input = new string(Enumerable.Range(0, rng.Next(0, 200)).Select(_ => XmlAlphabet[rng.Next(XmlAlphabet.Length)]).ToArray());
            Case(() => FeedInPieces(input, rng), input, typeof(XcatdException));
        }
    }

    // ---- cfgloc --------------------------------------------------------------------------------------

    private static readonly string[] CfglocSeeds =
    [
        "Pg:dbname=xcatdb;host=10.0.0.1;port=5432|xcatadm|cl|us:t\"er\\pw\n",
        "mysql:dbname=xcatdb;host=127.0.0.1|xcatadmin|secret\n",
        "SQLite:/etc/xcat\n",
    ];

    private const string CfglocAlphabet = "Pg:mysql:SQLite:dbname=host=port=|;:=/\\\"' \n\r\t\0\u00e9";

    [Fact]
    public void Mutated_and_random_cfgloc_files_are_read_or_refused_with_a_problem_never_an_exception()
    {
        var rng = new Random(5432);
        void Read(string text)
        {
            var clock = Stopwatch.StartNew();
            var reading = Cfgloc.Parse(Encoding.UTF8.GetBytes(text), "/etc/xcat/cfgloc");
            Assert.True(reading.Value is not null || reading.Problem is not null, $"neither a value nor a problem for {Escape(text)}");
            Assert.True(clock.Elapsed < PerCase, $"took {clock.Elapsed} on {Escape(text)}");
        }
        foreach (var seed in CfglocSeeds)
        {
            for (var cut = 0; cut <= seed.Length; cut++) Read(seed[..cut]);
            for (var i = 0; i < 3000; i++) Read(Mutate(rng, seed, CfglocAlphabet));
        }
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[rng.Next(0, 120)];
            rng.NextBytes(bytes);
            var clock = Stopwatch.StartNew();
            var reading = Cfgloc.Parse(bytes, "/etc/xcat/cfgloc");
            Assert.True(reading.Value is not null || reading.Problem is not null);
            Assert.True(clock.Elapsed < PerCase);
        }
    }
}
