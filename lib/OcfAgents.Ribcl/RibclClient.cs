using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OcfAgents.Logging;
using OcfAgents.Sys;
using OcfAgents.Xml;
using OcfAgents.Text;
using OcfAgents.Fencing;

namespace OcfAgents.Ribcl;

/// <summary>The iLO answered with a non-zero RESPONSE STATUS.</summary>
public sealed class RibclStatusException(int status, string message, string hint)
    : FenceDeviceException($"iLO refused the request: {message} (STATUS 0x{status:X4}){hint}")
{
    public int Status { get; } = status;
}

public enum RibclTransport
{
    /// <summary>iLO and iLO2: XML written straight into a TLS connection on 443; the iLO closes it after &lt;/RIBCL&gt;.</summary>
    Raw,
    /// <summary>iLO3 and later: the same XML as the body of <c>POST /ribcl</c> (HTTP/1.1 over TLS).</summary>
    Http,
}

/// <summary>How to reach and log in to one iLO. The password is bytes, never a string in a log.</summary>
public sealed record RibclTarget
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string User { get; init; }
    public required byte[] Password { get; init; }
    /// <summary>The VERSION of our &lt;RIBCL&gt; element: 1.2 or 2.0 (external/riloe's ilo_protocol).</summary>
    public required string Version { get; init; }
    public RibclTransport Transport { get; init; } = RibclTransport.Raw;
    /// <summary>PEM file of the CA (or the iLO's own certificate) to trust; null: the system's trust store.</summary>
    public string? CaFile { get; init; }
    public bool Insecure { get; init; }
    /// <summary>An HTTP proxy reached with CONNECT (external/riloe's ilo_proxyhost/ilo_proxyport).</summary>
    public string? ProxyHost { get; init; }
    public int ProxyPort { get; init; }
    /// <summary>The most one request (connect, TLS, request, whole reply) may take, within the action's deadline.</summary>
    public required TimeSpan RequestTimeout { get; init; }
}

/// <summary>
/// RIBCL requests, one TLS connection each (the iLO closes the connection after every script, so
/// there is no session to keep). A request is
/// <code>
/// &lt;?xml version="1.0"?&gt;
/// &lt;RIBCL VERSION="2.0"&gt;
/// &lt;LOGIN USER_LOGIN="…" PASSWORD="…"&gt;
/// &lt;SERVER_INFO MODE="read|write"&gt;
/// &lt;COMMAND ATTR="…"/&gt;
/// &lt;/SERVER_INFO&gt;
/// &lt;/LOGIN&gt;
/// &lt;/RIBCL&gt;
/// </code>
/// and the reply is read to the end of the stream (raw) or of the HTTP body, then parsed as a
/// stream of documents; any non-zero STATUS fails the request with the iLO's own message.
/// </summary>
public sealed class RibclClient(RibclTarget target, Deadline deadline, Log log)
{
    private const int MaxReply = 1 << 20;

    /// <summary>STATUS codes that mean the login itself was refused (HP's RIBCL guide; proliantutils uses the same pair).</summary>
    private static readonly int[] LoginFailures = [0x005F, 0x000A];

    public RibclReply Execute(string section, string mode, string command, params (string Name, string Value)[] attributes)
    {
        var request = BuildRequest(section, mode, command, attributes);
        try
        {
            log.Debug($"RIBCL {command}{string.Concat(attributes.Select(a => $" {a.Name}=\"{a.Value}\""))} to {target.Host}:{target.Port} ({target.Transport.ToString().ToLowerInvariant()}, RIBCL {target.Version})");
            var text = Exchange(request);
            var reply = RibclReply.Parse(text);
            foreach (var (status, message) in reply.Responses)
            {
                if (status == 0) continue;
                var hint = LoginFailures.Contains(status) ? "; check the user name and password" : "";
                throw new RibclStatusException(status, message.Trim().TrimEnd('.'), hint);
            }
            return reply;
        }
        finally
        {
            Array.Clear(request);
        }
    }

    /// <summary>GET_HOST_POWER_STATUS → &lt;GET_HOST_POWER HOST_POWER="ON|OFF"/&gt;.</summary>
    public bool IsPowerOn()
    {
        var reply = Execute("SERVER_INFO", "read", "GET_HOST_POWER_STATUS");
        var power = reply.Find("GET_HOST_POWER")?.Attribute("HOST_POWER")
            ?? throw new RibclProtocolException("no GET_HOST_POWER HOST_POWER in the reply to GET_HOST_POWER_STATUS");
        return power.Trim().ToUpperInvariant() switch
        {
            "ON" => true,
            "OFF" => false,
            _ => throw new RibclProtocolException($"HOST_POWER is '{power}', not ON or OFF"),
        };
    }

    private byte[] BuildRequest(string section, string mode, string command, (string Name, string Value)[] attributes)
    {
        // The password is spliced in as bytes so it never exists as a .NET string we could log.
        var head = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\"?>\r\n" +
            $"<RIBCL VERSION=\"{Markup.XmlAttribute(target.Version)}\">\r\n" +
            $"<LOGIN USER_LOGIN=\"{Markup.XmlAttribute(target.User)}\" PASSWORD=\"");
        var password = EscapePassword(target.Password);
        var tail = Encoding.UTF8.GetBytes(
            "\">\r\n" +
            $"<{section} MODE=\"{mode}\">\r\n" +
            $"<{command}{string.Concat(attributes.Select(a => $" {a.Name}=\"{Markup.XmlAttribute(a.Value)}\""))}/>\r\n" +
            $"</{section}>\r\n" +
            "</LOGIN>\r\n" +
            "</RIBCL>\r\n");
        var request = new byte[head.Length + password.Length + tail.Length];
        head.CopyTo(request, 0);
        password.CopyTo(request, head.Length);
        tail.CopyTo(request, head.Length + password.Length);
        Array.Clear(password);
        return request;
    }

    private static byte[] EscapePassword(byte[] password)
    {
        var escaped = new List<byte>(password.Length + 8);
        foreach (var b in password)
        {
            var entity = b switch { (byte)'&' => "&amp;", (byte)'<' => "&lt;", (byte)'>' => "&gt;", (byte)'"' => "&quot;", (byte)'\'' => "&apos;", _ => null };
            if (entity is null) escaped.Add(b); else escaped.AddRange(Encoding.ASCII.GetBytes(entity));
        }
        var result = escaped.ToArray();
        CollectionsMarshalClear(escaped);
        return result;
    }

    private static void CollectionsMarshalClear(List<byte> list)
    {
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list).Clear();
    }

    private string Exchange(byte[] request)
    {
        var timeout = target.RequestTimeout < deadline.Remaining ? target.RequestTimeout : deadline.Remaining;
        var until = Deadline.After(timeout + TimeSpan.FromSeconds(0.001));
        var peer = $"{target.Host}:{target.Port}";
        if (target.Insecure || target.CaFile is not null) TlsTrust.WithoutSystemStore();
        using var socket = Connect(until);
        using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        string? trustProblem = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = target.Host,
            CertificateChainPolicy = TrustPolicy(),
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                trustProblem = CheckCertificate(certificate, chain, errors);
                return trustProblem is null;
            },
        };
        try
        {
            SetTimeouts(socket, until);
            tls.AuthenticateAsClient(options);
        }
        catch (AuthenticationException e)
        {
            throw new FenceDeviceException(trustProblem is not null
                ? $"TLS with the iLO {peer}: {trustProblem}; give its CA in ssl_ca_file, or set ssl_insecure to skip the check"
                : $"TLS handshake with the iLO {peer} failed: {ErrorText.Describe(e)}");
        }
        catch (IOException e) { throw Translate(e, "TLS handshake", peer, until); }

        try
        {
            SetTimeouts(socket, until);
            if (target.Transport == RibclTransport.Raw)
            {
                tls.Write(request);
                tls.Flush();
                return ReadToEnd(tls, socket, until, peer);
            }
            var head = Encoding.ASCII.GetBytes(
                "POST /ribcl HTTP/1.1\r\n" +
                $"Host: {target.Host}:{target.Port}\r\n" +
                "Content-Type: application/xml\r\n" +
                $"Content-Length: {request.Length.ToString(CultureInfo.InvariantCulture)}\r\n" +
                "Connection: close\r\n\r\n");
            tls.Write(head);
            tls.Write(request);
            tls.Flush();
            return HttpBody(ReadToEnd(tls, socket, until, peer), peer);
        }
        catch (IOException e) { throw Translate(e, "request", peer, until); }
    }

    /// <summary>
    /// The chain the TLS layer builds. Never revocation checks or certificate downloads (an iLO
    /// sits on a management network without a route to any CRL or AIA URL; a fetch would only
    /// burn the deadline). With ssl_ca_file only that file is trusted; with ssl_insecure nothing
    /// is (and nothing is asked), which also spares loading the system store — the system store
    /// costs ~140 ms of a ~30 ms action.
    /// </summary>
    private X509ChainPolicy TrustPolicy()
    {
        var policy = new X509ChainPolicy { RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true };
        if (target.Insecure || target.CaFile is not null) policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        if (target.CaFile is null || target.Insecure) return policy;
        try { policy.CustomTrustStore.ImportFromPemFile(target.CaFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new FenceConfigException($"cannot read ssl_ca_file {target.CaFile}: {ErrorText.Describe(e)}");
        }
        if (policy.CustomTrustStore.Count == 0) throw new FenceConfigException($"ssl_ca_file {target.CaFile} holds no PEM certificate");
        return policy;
    }


    private string? CheckCertificate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (target.Insecure) return null;
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return "the iLO sent no certificate";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return $"its certificate does not name '{target.Host}'";
        if (errors == SslPolicyErrors.None) return null;
        var why = string.Join(", ", (chain?.ChainStatus ?? []).Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return (target.CaFile is null ? "its certificate is not trusted by this system" : $"its certificate is not signed by a CA in {target.CaFile}")
            + (why.Length > 0 ? $" ({why})" : "");
    }

    private Socket Connect(Deadline until)
    {
        var (host, port) = target.ProxyHost is { Length: > 0 } proxy ? (proxy, target.ProxyPort) : (target.Host, target.Port);
        var what = target.ProxyHost is { Length: > 0 } ? $"the proxy {host}:{port}" : $"the iLO {host}:{port}";
        Socket socket;
        try { socket = Tcp.Connect(host, port, until, what); }
        catch (TcpException e) { throw new FenceDeviceException(e.Message); }
        try
        {
            if (target.ProxyHost is { Length: > 0 }) ProxyConnect(socket, until);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // HTTP CONNECT (RFC 9110 §9.3.6): "CONNECT host:port HTTP/1.1", then a 2xx status line and
    // headers up to the blank line; from there on the socket is a tunnel to the iLO.
    private void ProxyConnect(Socket socket, Deadline until)
    {
        var proxy = $"{target.ProxyHost}:{target.ProxyPort}";
        SetTimeouts(socket, until);
        socket.Send(Encoding.ASCII.GetBytes($"CONNECT {target.Host}:{target.Port} HTTP/1.1\r\nHost: {target.Host}:{target.Port}\r\n\r\n"));
        var head = new List<byte>();
        var one = new byte[1];
        try
        {
            // Byte by byte: anything after the blank line belongs to the TLS handshake.
            while (head.Count < 8192)
            {
                if (socket.Receive(one) == 0) throw new FenceDeviceException($"the proxy {proxy} closed the connection during CONNECT");
                head.Add(one[0]);
                if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n') break;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            throw new FenceDeviceException($"the proxy {proxy} timed out answering CONNECT");
        }
        var status = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n")[0];
        var parts = status.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3 || parts[1][0] != '2')
            throw new FenceDeviceException($"the proxy {proxy} refused CONNECT {target.Host}:{target.Port}: {status}");
    }

    private static void SetTimeouts(Socket socket, Deadline until) => Tcp.SetTimeouts(socket, until);

    private static string ReadToEnd(SslStream tls, Socket socket, Deadline until, string peer)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16384];
        while (true)
        {
            if (until.Expired) throw new FenceDeviceException($"timed out reading the reply from the iLO {peer}");
            SetTimeouts(socket, until);
            var n = tls.Read(chunk);
            if (n == 0) break;
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxReply) throw new RibclProtocolException($"reply longer than {MaxReply} bytes");
        }
        try { return new UTF8Encoding(false, true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length); }
        catch (DecoderFallbackException) { throw new RibclProtocolException("reply is not UTF-8 text"); }
    }

    private static FenceDeviceException Translate(IOException e, string step, string peer, Deadline until) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } || until.Expired
            ? new FenceDeviceException($"{step} with the iLO {peer} timed out")
            : new FenceDeviceException($"{step} with the iLO {peer} failed: {ErrorText.Describe(e)}");

    // HTTP/1.1 response (RFC 9112): status-line CRLF *(field-line CRLF) CRLF body, where the body
    // is chunked (Transfer-Encoding), Content-Length bytes, or everything up to the close.
    internal static string HttpBody(string response, string peer)
    {
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) throw new RibclProtocolException("HTTP response without a header end (truncated)");
        var lines = response[..split].Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new RibclProtocolException($"not an HTTP response: '{lines[0]}'");
        if (status[1] != "200")
            throw new FenceDeviceException($"the iLO {peer} answered POST /ribcl with '{lines[0]}' (is this an iLO3 or later? iLO and iLO2 need transport raw)");
        string? Header(string name) => lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => p[1].Trim()).LastOrDefault();
        var body = response[(split + 4)..];
        if (Header("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase)) return Dechunk(body);
        if (Header("Content-Length") is { } cl)
        {
            if (!int.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out var length)) throw new RibclProtocolException($"Content-Length '{cl}'");
            // Content-Length counts bytes; RIBCL is ASCII in practice but compare in bytes anyway.
            var bytes = Encoding.UTF8.GetBytes(body);
            if (bytes.Length < length) throw new RibclProtocolException($"HTTP body has {bytes.Length} of {length} bytes (truncated)");
            return Encoding.UTF8.GetString(bytes, 0, length);
        }
        return body;
    }

    // chunked-body = *chunk last-chunk trailer-section CRLF; chunk = chunk-size [ext] CRLF data CRLF
    private static string Dechunk(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var output = new MemoryStream();
        var i = 0;
        while (true)
        {
            var eol = IndexOfCrlf(bytes, i);
            if (eol < 0) throw new RibclProtocolException("chunked body ends inside a chunk size (truncated)");
            var sizeText = Encoding.ASCII.GetString(bytes, i, eol - i).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
                throw new RibclProtocolException($"chunk size '{sizeText}'");
            i = eol + 2;
            if (size == 0) return Encoding.UTF8.GetString(output.ToArray());
            // Compared as what is left, never as i + size: a size near int.MaxValue would overflow.
            if (size > bytes.Length - i - 2) throw new RibclProtocolException($"chunk of {size} bytes, but only {Math.Max(0, bytes.Length - i - 2)} follow (truncated or corrupt)");
            output.Write(bytes, i, size);
            if (bytes[i + size] != '\r' || bytes[i + size + 1] != '\n') throw new RibclProtocolException("chunk not followed by CRLF");
            i += size + 2;
        }
    }

    private static int IndexOfCrlf(byte[] b, int from)
    {
        for (var i = from; i + 1 < b.Length; i++) if (b[i] == '\r' && b[i + 1] == '\n') return i;
        return -1;
    }
}
