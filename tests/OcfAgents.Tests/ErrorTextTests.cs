using System.Net.Sockets;
using OcfAgents.Sys;

namespace OcfAgents.Tests;

/// <summary>
/// The shipped executables carry .NET's resource keys instead of its messages; what reaches an
/// admin is our sentence for the key plus the real data after it, never the key.
/// </summary>
public sealed class ErrorTextTests
{
    [Theory]
    [InlineData("net_io_writefailure, Connection reset by peer", "writing to the connection failed: Connection reset by peer")]
    [InlineData("net_io_eof", "the peer closed the connection")]
    [InlineData("IO_PathNotFound_Path, /etc/xcat/cert", "no such directory: /etc/xcat/cert")]
    [InlineData("Some_Key_We_Never_Listed, x", "input/output error: x")]
    public void A_resource_key_becomes_our_sentence_with_its_arguments(string message, string expected) =>
        Assert.Equal(expected, ErrorText.Describe(new IOException(message)));

    [Fact]
    public void A_missing_file_names_the_file_and_not_the_key()
    {
        var text = ErrorText.Describe(new FileNotFoundException("IO_FileNotFound_FileName, /etc/xcat/ca.pem", "/etc/xcat/ca.pem"));
        Assert.Equal("no such file: /etc/xcat/ca.pem", text);
    }

    [Fact]
    public void The_cause_inside_a_wrapper_is_described_too()
    {
        var e = new IOException("net_io_readfailure, ", new SocketException((int)SocketError.ConnectionReset));
        var text = ErrorText.Describe(e);
        Assert.StartsWith("reading from the connection failed", text);
        Assert.Contains(new SocketException((int)SocketError.ConnectionReset).Message, text);
        Assert.DoesNotContain("net_", text);
    }

    [Fact]
    public void An_aggregate_is_described_by_what_it_holds()
    {
        var e = new AggregateException(new SocketException((int)SocketError.HostNotFound));
        Assert.Equal(new SocketException((int)SocketError.HostNotFound).Message, ErrorText.Describe(e));
    }

    [Theory]
    [InlineData("connection refused")]
    [InlineData("cannot read /etc/xcat/cfgloc: permission denied")]
    [InlineData("Read-only file system : '/x'")]
    public void A_message_in_words_is_kept(string message) => Assert.Equal(message, ErrorText.Describe(new IOException(message)));

    [Fact]
    public void An_unexpected_exception_is_an_internal_error_named_by_its_type_only()
    {
        Assert.Equal("internal error (ArgumentOutOfRangeException)", ErrorText.Describe(new ArgumentOutOfRangeException("ArgumentOutOfRange_NeedNonNegNum")));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\u001b[2Jb", "a\\x1b[2Jb")]
    [InlineData("one\ntwo\r\tthree", "one\\ntwo\\r\\tthree")]
    [InlineData("bell\u0007 del\u007f csi\u009b", "bell\\x07 del\\x7f csi\\x9b")]
    [InlineData("ünïcödé ok", "ünïcödé ok")]
    public void Control_characters_are_escaped_and_everything_else_is_kept(string raw, string shown) =>
        Assert.Equal(shown, ErrorText.Printable(raw));

    [Fact]
    public void A_read_only_file_system_is_a_permission_problem()
    {
        Assert.True(ErrorText.IsPermission(new IOException("Read-only file system", 30)));
        Assert.True(ErrorText.IsPermission(new UnauthorizedAccessException()));
        Assert.False(ErrorText.IsPermission(new IOException("No space left on device", 28)));
    }
}
