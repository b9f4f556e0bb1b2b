using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OcfAgents.Sys;
using OcfAgents.Xml;
using OcfAgents.Text;

namespace OcfAgents.Xcat;

/// <summary>xcatd could not be asked, or answered something that is not its protocol.</summary>
public class XcatdException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The client credentials or the CA could not be read: a configuration problem, not xcatd's.</summary>
public sealed class XcatdCredentialsException(string message) : XcatdException(message);

/// <summary>xcatd ended the session before sending a single byte of its answer.</summary>
public sealed class XcatdClosedEarlyException(string message, Exception inner) : XcatdException(message, inner);

/// <summary>How to reach xcatd as an xCAT client: xCAT's own CA and client credentials, as explicit paths.</summary>
public sealed record XcatdTarget
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 3001;
    /// <summary>PEM with the client certificate (xCAT's ~/.xcat/client-cred.pem holds the key too).</summary>
    public required string CertFile { get; init; }
    public required string KeyFile { get; init; }
    /// <summary>xCAT's CA (~/.xcat/ca.pem): the only root trusted for xcatd's server certificate.</summary>
    public required string CaFile { get; init; }
}

/// <summary>One &lt;xcatresponse&gt;: its leaf elements in order, as (name, text).</summary>
public sealed record XcatResponse(IReadOnlyList<(string Name, string Text)> Fields)
{
    public bool ServerDone => Fields.Any(f => f.Name == "serverdone");
    public IEnumerable<string> Values(string name) => Fields.Where(f => f.Name == name).Select(f => f.Text);
}

/// <summary>
/// xCAT's client protocol (xCAT::Client, measured against xcatd 2.19): one TLS connection per
/// request to the client port (site.xcatdport, 3001), the client authenticated by its
/// certificate. The request is one XML document whose lines end in LF — xcatd reads it line by
/// line until a line holds &lt;/xcatrequest&gt;:
/// <code>
/// &lt;xcatrequest&gt;
///   &lt;command&gt;lsxcatd&lt;/command&gt;
///   &lt;arg&gt;-v&lt;/arg&gt;
///   &lt;clienttype&gt;cli&lt;/clienttype&gt;
/// &lt;/xcatrequest&gt;
/// </code>
/// clienttype is what xCAT's own command-line client sends; xcatd records it per request in
/// /var/log/xcat/commands.log, where an admin then sees our checks as the CLI's.
/// The reply is a stream of documents, each
/// <code>
/// &lt;xcatresponse&gt;
///   &lt;data&gt;Version 2.19 (git commit …)&lt;/data&gt;      (or error, errorcode, info, node/…)
/// &lt;/xcatresponse&gt;
/// </code>
/// ending with one that holds &lt;serverdone&gt;&lt;/serverdone&gt;; then the client closes. Every
/// character of the reply is consumed by the lexer; text outside a document, another root
/// element or a stream that ends before serverdone is a protocol error.
/// </summary>
public static class XcatdClient
{
    private const int MaxReply = 4 << 20;

    public static IReadOnlyList<XcatResponse> Request(XcatdTarget target, string command, IReadOnlyList<string> args, Deadline deadline)
    {
        var peer = $"xcatd {target.Host}:{target.Port}";
        using var certificate = LoadClientCertificate(target);
        var policy = TrustPolicy(target);
        Socket socket;
        try { socket = Tcp.Connect(target.Host, target.Port, deadline, peer); }
        catch (TcpException e) { throw new XcatdException(e.Message); }
        using var _ = socket;
        using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        string? trustProblem = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = target.Host,
            ClientCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true),
            CertificateChainPolicy = policy,
            // xcatd's certificate names the management node's host name, and the agent asks it on a
            // loopback or service address: like xCAT's own client, trust rests on the chain to
            // xCAT's private CA (which signs nothing but xCAT's server and client credentials),
            // not on the name.
            RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                trustProblem = CheckCertificate(cert, chain, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch, target.CaFile);
                return trustProblem is null;
            },
        };
        try
        {
            Tcp.SetTimeouts(socket, deadline);
            tls.AuthenticateAsClient(options);
        }
        catch (AuthenticationException e)
        {
            throw new XcatdException(trustProblem is not null
                ? $"TLS with {peer}: {trustProblem}"
                : $"TLS handshake with {peer} failed: {Innermost(e)} (does it accept the client certificate {target.CertFile}?)");
        }
        catch (IOException e) { throw Translate(e, "TLS handshake", peer, deadline); }

        try
        {
            Tcp.SetTimeouts(socket, deadline);
            tls.Write(Encoding.UTF8.GetBytes(BuildRequest(command, args)));
            tls.Flush();
            return ReadResponses(tls, socket, deadline, peer);
        }
        catch (IOException e) when (RejectedCertificate(e, target, peer, nothingRead: true) is { } rejected) { throw rejected; }
        catch (IOException e) { throw Translate(e, command, peer, deadline); }
        catch (XcatdException e) when (e.InnerException is { } inner && RejectedCertificate(inner, target, peer, e is XcatdClosedEarlyException) is { } rejected) { throw rejected; }
    }

    /// <summary>
    /// With TLS 1.3 the server judges the client's certificate after the client considers the
    /// handshake done: a certificate xcatd does not trust surfaces at the first read or write as a
    /// TLS alert from xcatd (OpenSSL: "tlsv1 alert unknown ca", "… bad certificate"), or, with TLS
    /// 1.2, as a reset. Said as what it is, with the fix.
    /// </summary>
    private static XcatdException? RejectedCertificate(Exception e, XcatdTarget target, string peer, bool nothingRead)
    {
        const string Fix = "it must be signed by xCAT's CA, as xCAT's setup-local-client.sh makes it";
        var text = ErrorText.Describe(e);
        string[] alerts = ["alert unknown ca", "alert bad certificate", "alert certificate unknown", "alert certificate required",
            "alert access denied", "alert unsupported certificate", "alert certificate revoked", "alert certificate expired"];
        if (alerts.FirstOrDefault(a => text.Contains(a, StringComparison.OrdinalIgnoreCase)) is { } alert)
            return new XcatdException($"{peer} refused our client certificate {target.CertFile} (TLS alert '{alert[6..]}'): {Fix}");
        // The alert and the close race: the reset can arrive before the alert is read.
        var reset = false;
        for (var x = e; x is not null; x = x.InnerException)
            reset |= x is SocketException { SocketErrorCode: SocketError.ConnectionReset };
        return nothingRead && reset
            ? new XcatdException($"{peer} reset the connection right after the TLS handshake, before any answer: it most likely refused our client certificate {target.CertFile}; {Fix}")
            : null;
    }

    public static string BuildRequest(string command, IReadOnlyList<string> args)
    {
        var text = new StringBuilder("<xcatrequest>\n");
        text.Append("  <command>").Append(Markup.XmlAttribute(command)).Append("</command>\n");
        foreach (var arg in args) text.Append("  <arg>").Append(Markup.XmlAttribute(arg)).Append("</arg>\n");
        text.Append("  <clienttype>cli</clienttype>\n");
        return text.Append("</xcatrequest>\n").ToString();
    }

    private static X509Certificate2 LoadClientCertificate(XcatdTarget target)
    {
        try { return X509Certificate2.CreateFromPemFile(target.CertFile, target.KeyFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new XcatdCredentialsException($"cannot read the xCAT client credentials {target.CertFile}" +
                (target.KeyFile != target.CertFile ? $" / {target.KeyFile}" : "") + $": {ErrorText.Describe(e)}");
        }
    }

    private static X509ChainPolicy TrustPolicy(XcatdTarget target)
    {
        TlsTrust.WithoutSystemStore();
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            TrustMode = X509ChainTrustMode.CustomRootTrust,
        };
        try { policy.CustomTrustStore.ImportFromPemFile(target.CaFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new XcatdCredentialsException($"cannot read xCAT's CA {target.CaFile}: {ErrorText.Describe(e)}");
        }
        if (policy.CustomTrustStore.Count == 0) throw new XcatdCredentialsException($"xCAT's CA file {target.CaFile} holds no PEM certificate");
        return policy;
    }

    private static string? CheckCertificate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string caFile)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return "it sent no certificate";
        if (errors == SslPolicyErrors.None) return null;
        var why = string.Join(", ", (chain?.ChainStatus ?? []).Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"its certificate is not signed by the CA in {caFile}" + (why.Length > 0 ? $" ({why})" : "");
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return ErrorText.Describe(e);
    }

    private static XcatdException Translate(IOException e, string step, string peer, Deadline deadline) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } || deadline.Expired
            ? new XcatdException($"{step} with {peer} timed out")
            : new XcatdException($"{step} with {peer} failed: {ErrorText.Describe(e)}");

    /// <summary>Reads documents until the one with serverdone; xcatd may send more bytes after it, which are not read.</summary>
    private static List<XcatResponse> ReadResponses(SslStream tls, Socket socket, Deadline deadline, string peer)
    {
        var reader = new XcatResponseReader();
        var decoder = new UTF8Encoding(false, true).GetDecoder();
        var bytes = new byte[16384];
        var chars = new char[16384 + 4];
        var total = 0;
        while (true)
        {
            if (deadline.Expired) throw new XcatdException($"timed out waiting for serverdone from {peer}");
            Tcp.SetTimeouts(socket, deadline);
            int n;
            try { n = tls.Read(bytes); }
            catch (IOException e) when (!deadline.Expired && e.InnerException is not SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
            {
                // A reset or a TLS stream cut without close_notify: xcatd's handler died mid-reply.
                var why = $"{peer} closed the connection before serverdone ({reader.Responses.Count} responses read): {ErrorText.Describe(e)}";
                throw reader.Responses.Count == 0 && total == 0 ? new XcatdClosedEarlyException(why, e) : new XcatdException(why, e);
            }
            int count;
            try { count = decoder.GetChars(bytes, 0, n, chars, 0, flush: n == 0); }
            catch (DecoderFallbackException) { throw new XcatdException($"{peer} sent a reply that is not UTF-8 text"); }
            if ((total += n) > MaxReply) throw new XcatdException($"{peer} sent more than {MaxReply} bytes without serverdone");
            if (reader.Feed(chars.AsSpan(0, count), final: n == 0)) return reader.Responses;
            if (n == 0) throw new XcatdException($"{peer} closed the connection before serverdone ({reader.Responses.Count} responses read)");
        }
    }
}

/// <summary>
/// Assembles &lt;xcatresponse&gt; documents from the incremental lexer. Within a document every
/// element's text is kept under the element's own name (so node/name and node/data read as name
/// and data); attributes do not occur (xcatd writes XML::Simple output with NoAttr).
/// </summary>
public sealed class XcatResponseReader
{
    private readonly StringBuilder _pending = new();
    private readonly Stack<string> _open = new();
    private readonly List<(string, string)> _fields = [];
    private readonly StringBuilder _text = new();

    public List<XcatResponse> Responses { get; } = [];

    /// <summary>Consumes <paramref name="chunk"/>; true once a response holding serverdone is complete.</summary>
    public bool Feed(ReadOnlySpan<char> chunk, bool final)
    {
        _pending.Append(chunk);
        var text = _pending.ToString().AsSpan();
        var used = 0;
        var done = false;
        while (!done && used < text.Length)
        {
            var lex = XmlLexer.Read(text[used..], final, out var token, out var consumed, out var error);
            if (lex == XmlLex.NeedMore) break;
            if (lex == XmlLex.Invalid) throw new XcatdException($"garbled reply from xcatd: {error}");
            used += consumed;
            done = Take(token!);
        }
        _pending.Remove(0, used);
        if (final && !done && _pending.ToString().Trim().Length > 0)
            throw new XcatdException("garbled reply from xcatd: it ends inside a tag");
        return done;
    }

    private bool Take(XmlToken token)
    {
        switch (token.Kind)
        {
            case XmlTokenKind.Declaration:
                if (_open.Count > 0) throw new XcatdException($"garbled reply from xcatd: <?{token.Name}?> inside <{_open.Peek()}>");
                return false;
            case XmlTokenKind.Text:
                if (_open.Count == 0)
                {
                    if (token.Name.Trim().Length > 0) throw new XcatdException($"garbled reply from xcatd: text outside <xcatresponse>: '{token.Name.Trim()}'");
                }
                else _text.Append(token.Name);
                return false;
            case XmlTokenKind.Start:
                if (_open.Count == 0 && token.Name != "xcatresponse")
                    throw new XcatdException($"garbled reply from xcatd: document root is <{token.Name}>, not <xcatresponse>");
                _text.Clear();
                if (token.SelfClosing)
                {
                    if (_open.Count == 0) return Complete();
                    _fields.Add((token.Name, ""));
                }
                else _open.Push(token.Name);
                return false;
            default: // End
                if (_open.Count == 0 || _open.Peek() != token.Name)
                    throw new XcatdException($"garbled reply from xcatd: </{token.Name}> closes " + (_open.Count == 0 ? "nothing" : $"<{_open.Peek()}>"));
                _open.Pop();
                if (_open.Count == 0) return Complete();
                _fields.Add((token.Name, _text.ToString().Trim()));
                _text.Clear();
                return false;
        }
    }

    private bool Complete()
    {
        // A parent closing after its children adds itself with empty text; keep only leaves and serverdone.
        var response = new XcatResponse(_fields.Where(f => f.Item2.Length > 0 || f.Item1 == "serverdone").ToList());
        _fields.Clear();
        Responses.Add(response);
        return response.ServerDone;
    }
}
