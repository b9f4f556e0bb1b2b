using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OcfAgents.Ribcl;
using OcfAgents.Xml;

// iLO stand-in: RIBCL over TLS on a loopback port, the way an iLO2 (firmware 1.94, RIBCL 2.22)
// answers, plus POST /ribcl as iLO3+ does, plus an HTTP CONNECT proxy in front of it.
//
//   dotnet OcfAgents.IloSim.dll --dir DIR [--user admin] [--fault none|stall|garble|truncate|hugechunk|escapes]
//                               [--bind 127.0.0.1] [--port 0]
//
// DIR/password  the login password (read at start; "secret" if absent)
// DIR/power     "on" or "off": the host's power, read and written per command (tests set it too)
// DIR/events    one line per thing done: "login admin RIBCL 2.0 raw", "power off", "hold button",
//               "reset", "login failed", "proxy CONNECT 127.0.0.1:P"
// DIR/cert.pem  the self-signed certificate (CN ilo-sim, SAN 127.0.0.1 and localhost)
// stdout        "ready <ilo port> <proxy port>" once both listen
//
// Faults: stall (never answers), garble (a broken document, then close), truncate (half a
// reply, then close), hugechunk (POST /ribcl: the first chunk claims 0x7FFFFFFF bytes),
// escapes (the login is rejected with a message holding a terminal escape sequence and a newline).
//
// Reply rules, per element of the request as it arrives (the iLO answers element by element, and
// fence_ilo depends on it: it never closes its RIBCL element and reads replies as it writes):
// | request token                     | reply                                                       |
// |-----------------------------------|-------------------------------------------------------------|
// | <?xml ?> outside RIBCL            | a "No error" document (fence_ilo reads the RIBCL version)   |
// | <RIBCL VERSION>                   | "No error"                                                  |
// | <LOGIN USER_LOGIN PASSWORD>       | "No error", or 0x005F "Login credentials rejected." + close |
// | <SERVER_INFO|RIB_INFO MODE>       | "No error"                                                  |
// | a command (at its end)            | the command's document                                      |
// | </RIBCL>                          | close the connection (as every iLO does)                    |
// | anything else                     | 0x0001 syntax error + close                                 |
var options = ParseArgs(args);
var dir = options.GetValueOrDefault("dir") ?? throw new ArgumentException("--dir DIR is required");
var sim = new IloSim(dir, options.GetValueOrDefault("user") ?? "admin", options.GetValueOrDefault("fault") ?? "none",
    IPAddress.Parse(options.GetValueOrDefault("bind") ?? "127.0.0.1"), int.Parse(options.GetValueOrDefault("port") ?? "0"));
await sim.RunAsync();
return 0;

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>();
    for (var i = 0; i + 1 < args.Length; i += 2) d[args[i].TrimStart('-')] = args[i + 1];
    return d;
}

internal sealed class IloSim(string dir, string user, string fault, IPAddress bind, int port)
{
    private readonly object _lock = new();
    private readonly string _user = user;
    private bool EscapesFault => fault == "escapes";
    private readonly string _password = File.Exists(Path.Combine(dir, "password")) ? File.ReadAllText(Path.Combine(dir, "password")).TrimEnd('\n') : "secret";
    private X509Certificate2 _cert = null!;
    private int _iloPort;

    public async Task RunAsync()
    {
        _cert = MakeCertificate();
        File.WriteAllText(Path.Combine(dir, "cert.pem"), _cert.ExportCertificatePem() + "\n");
        if (!File.Exists(Path.Combine(dir, "power"))) File.WriteAllText(Path.Combine(dir, "power"), "on\n");
        var ilo = new TcpListener(bind, port);
        var proxy = new TcpListener(bind, 0);
        ilo.Start();
        proxy.Start();
        _iloPort = ((IPEndPoint)ilo.LocalEndpoint).Port;
        Console.WriteLine($"ready {_iloPort} {((IPEndPoint)proxy.LocalEndpoint).Port}");
        Console.Out.Flush();
        _ = Task.Run(async () => { while (true) { var c = await proxy.AcceptTcpClientAsync(); _ = Task.Run(() => Proxy(c)); } });
        while (true)
        {
            var client = await ilo.AcceptTcpClientAsync();
            _ = Task.Run(async () =>
            {
                try { await Serve(client); }
                catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException or ObjectDisposedException) { }
                finally { client.Dispose(); }
            });
        }
    }

    private X509Certificate2 MakeCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ilo-sim", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(bind);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private void Event(string line)
    {
        lock (_lock) File.AppendAllText(Path.Combine(dir, "events"), line + "\n");
    }

    private bool Power
    {
        get { lock (_lock) return File.ReadAllText(Path.Combine(dir, "power")).Trim() == "on"; }
        set { lock (_lock) File.WriteAllText(Path.Combine(dir, "power"), value ? "on\n" : "off\n"); }
    }

    private async Task Serve(TcpClient client)
    {
        using var tls = new SslStream(client.GetStream());
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _cert });
        var buffer = new byte[8192];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[8192];
        var pending = new StringBuilder();
        var session = new Session(this);
        var http = (bool?)null;
        while (true)
        {
            var n = await tls.ReadAsync(buffer);
            if (n == 0) return;
            if (fault == "stall") continue;
            var c = decoder.GetChars(buffer, 0, n, chars, 0);
            pending.Append(chars, 0, c);
            http ??= pending.Length >= 5 ? pending.ToString(0, 5) == "POST " : null;
            if (http is null) continue;
            if (http == true)
            {
                if (await ServeHttp(tls, pending)) return;
                continue;
            }
            var output = new StringBuilder();
            var close = session.Feed(pending, output);
            await Reply(tls, output.ToString());
            if (close) return;
        }
    }

    /// <summary>POST /ribcl: the whole script is the body; the reply is every document, chunked.</summary>
    private async Task<bool> ServeHttp(SslStream tls, StringBuilder pending)
    {
        var text = pending.ToString();
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = text[..end].Split("\r\n");
        var length = headers.Select(h => h.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
        var body = Encoding.UTF8.GetBytes(text[(end + 4)..]);
        if (body.Length < length) return false;
        if (!headers[0].StartsWith("POST /ribcl HTTP/1.1", StringComparison.Ordinal))
        {
            await tls.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
            return true;
        }
        var output = new StringBuilder();
        new Session(this, "http").Feed(new StringBuilder(Encoding.UTF8.GetString(body, 0, length)), output);
        var reply = Encoding.UTF8.GetBytes(Faulty(output.ToString()));
        var response = new MemoryStream();
        response.Write(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
        if (fault == "hugechunk") response.Write("7FFFFFFF\r\n"u8);
        for (var i = 0; i < reply.Length; i += 700)
        {
            var size = Math.Min(700, reply.Length - i);
            response.Write(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
            response.Write(reply, i, size);
            response.Write("\r\n"u8);
        }
        response.Write("0\r\n\r\n"u8);
        await tls.WriteAsync(response.ToArray());
        return true;
    }

    private async Task Reply(SslStream tls, string text)
    {
        if (text.Length == 0) return;
        await tls.WriteAsync(Encoding.UTF8.GetBytes(Faulty(text)));
        await tls.FlushAsync();
        if (fault is "garble" or "truncate") throw new IOException("fault injected: connection dropped");
    }

    private string Faulty(string reply) => fault switch
    {
        "garble" => "<RIBCL VERSION=\"2.22\">\r\n<RESPONSE STATUS=\"0x00\u00ff\u0001 <<>> \r\n",
        "truncate" => reply[..(reply.Length / 2)],
        _ => reply,
    };

    // HTTP CONNECT proxy that only tunnels to this iLO.
    private async Task Proxy(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) return;
            head.Add(one[0]);
        }
        var line = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n")[0].Split(' ');
        if (line.Length < 3 || line[0] != "CONNECT" || line[1] != $"{bind}:{_iloPort}")
        {
            await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\n\r\n"u8.ToArray());
            return;
        }
        Event($"proxy CONNECT {line[1]}");
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(bind, _iloPort);
        await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray());
        var up = upstream.GetStream();
        await Task.WhenAny(stream.CopyToAsync(up), up.CopyToAsync(stream));
    }

    /// <summary>One connection's RIBCL interpreter, fed text as it arrives.</summary>
    private sealed class Session(IloSim sim, string via = "raw")
    {
        private readonly Stack<string> _open = new();
        private string _version = "?";
        private string _mode = "read";
        private bool _loggedIn;

        private const string NoError = "<RESPONSE\r\n    STATUS=\"0x0000\"\r\n    MESSAGE='No error'\r\n     />\r\n";

        private static string Document(string body) => $"<?xml version=\"1.0\"?>\r\n<RIBCL VERSION=\"2.22\">\r\n{body}</RIBCL>\r\n";

        private static string Error(int status, string message) =>
            Document($"<RESPONSE\r\n    STATUS=\"0x{status:X4}\"\r\n    MESSAGE='{message}'\r\n     />\r\n");

        /// <summary>Consumes complete tokens from <paramref name="pending"/>; true when the connection must close.</summary>
        public bool Feed(StringBuilder pending, StringBuilder output)
        {
            while (true)
            {
                var text = pending.ToString();
                var lex = XmlLexer.Read(text, final: false, out var token, out var consumed, out var error);
                if (lex == XmlLex.NeedMore) return false;
                if (lex == XmlLex.Invalid)
                {
                    output.Append(Error(0x0001, $"Syntax error: {error}"));
                    return true;
                }
                pending.Remove(0, consumed);
                if (Handle(token!, output)) return true;
            }
        }

        private bool Handle(XmlToken t, StringBuilder output)
        {
            var where = _open.Count == 0 ? "" : _open.Peek();
            switch (t.Kind, t.Name, where)
            {
                case (XmlTokenKind.Text, _, _):
                    return false;
                case (XmlTokenKind.Declaration, _, ""):
                    output.Append(Document(NoError));
                    return false;
                case (XmlTokenKind.Start, "RIBCL", ""):
                    _version = t.Attribute("VERSION") ?? "?";
                    output.Append(Document(NoError));
                    return Open(t);
                case (XmlTokenKind.Start, "LOGIN", "RIBCL"):
                    if (t.Attribute("USER_LOGIN") != sim._user || t.Attribute("PASSWORD") != sim._password)
                    {
                        sim.Event("login failed");
                        output.Append(Error(0x005F, sim.EscapesFault ? "Login \u001b[2J\u001b]0;pwned\u0007credentials\nrejected." : "Login credentials rejected."));
                        return true;
                    }
                    _loggedIn = true;
                    sim.Event($"login {t.Attribute("USER_LOGIN")} RIBCL {_version} {via}");
                    output.Append(Document(NoError));
                    return Open(t);
                case (XmlTokenKind.Start, "SERVER_INFO" or "RIB_INFO", "LOGIN"):
                    _mode = (t.Attribute("MODE") ?? "").ToLowerInvariant();
                    if (_mode is not ("read" or "write")) { output.Append(Error(0x0001, "Syntax error: MODE must be read or write")); return true; }
                    output.Append(Document(NoError));
                    return Open(t);
                case (XmlTokenKind.Start, _, "SERVER_INFO" or "RIB_INFO") when _loggedIn:
                    if (t.SelfClosing) { output.Append(Command(t)); return false; }
                    _open.Push(t.Name);
                    _pendingCommand = t;
                    return false;
                case (XmlTokenKind.End, _, _) when t.Name == where:
                    _open.Pop();
                    if (_pendingCommand is { } command && command.Name == t.Name) { _pendingCommand = null; output.Append(Command(command)); }
                    return t.Name == "RIBCL";
                default:
                    output.Append(Error(0x0001, $"Syntax error: unexpected {(t.Kind == XmlTokenKind.End ? "/" : "")}{t.Name} in {(where == "" ? "document" : where)}"));
                    return true;
            }
        }

        private XmlToken? _pendingCommand;

        private bool Open(XmlToken t)
        {
            if (!t.SelfClosing) _open.Push(t.Name);
            return false;
        }

        private string Command(XmlToken t)
        {
            var write = t.Name is "SET_HOST_POWER" or "HOLD_PWR_BTN" or "PRESS_PWR_BTN" or "RESET_SERVER" or "COLD_BOOT_SERVER";
            if (write && _mode != "write") return Error(0x0040, $"{t.Name} requires MODE=\"write\".");
            switch (t.Name)
            {
                case "GET_FW_VERSION":
                    return Document(NoError + "<GET_FW_VERSION\r\n    FIRMWARE_VERSION = \"1.94\"\r\n    FIRMWARE_DATE = \"Jun 20 2008\"\r\n    MANAGEMENT_PROCESSOR = \"iLO\"\r\n    />\r\n");
                case "GET_HOST_POWER_STATUS":
                    return Document(NoError + $"<GET_HOST_POWER\r\n    HOST_POWER=\"{(sim.Power ? "ON" : "OFF")}\"\r\n    />\r\n");
                case "SET_HOST_POWER":
                    var want = (t.Attribute("HOST_POWER") ?? "").ToUpperInvariant() switch { "YES" or "Y" => true, "NO" or "N" => (bool?)false, _ => null };
                    if (want is null) return Error(0x0001, "Syntax error: HOST_POWER must be Yes or No.");
                    sim.Event(want.Value ? "power on" : "power off");
                    sim.Power = want.Value;
                    return Document(NoError);
                case "HOLD_PWR_BTN":
                    var toggle = string.Equals(t.Attribute("TOGGLE"), "yes", StringComparison.OrdinalIgnoreCase);
                    if (!sim.Power && !toggle) return Error(0x0054, "Command without TOGGLE=\"Yes\" attribute is ignored when host power is off.");
                    sim.Event("hold button");
                    sim.Power = !sim.Power;
                    return Document(NoError);
                case "PRESS_PWR_BTN":
                    // A momentary press powers an off host on; on a running host it is an ACPI
                    // request the OS may ignore, and this host's OS does.
                    sim.Event("press button");
                    if (!sim.Power) sim.Power = true;
                    return Document(NoError);
                case "RESET_SERVER" or "COLD_BOOT_SERVER":
                    if (!sim.Power) return Error(0x0055, "Server is currently powered off.");
                    sim.Event(t.Name == "RESET_SERVER" ? "reset" : "cold boot");
                    return Document(NoError);
                default:
                    return Error(0x0001, $"Syntax error: unknown command {t.Name}.");
            }
        }
    }

}
