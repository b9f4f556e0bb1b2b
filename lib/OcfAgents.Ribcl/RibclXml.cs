using System.Globalization;
using System.Text;
using OcfAgents.Xml;
using OcfAgents.Fencing;

namespace OcfAgents.Ribcl;

/// <summary>The iLO's reply is not RIBCL we can read (garbled, truncated, not XML).</summary>
public sealed class RibclProtocolException(string message) : FenceDeviceException("garbled reply from the iLO: " + message);

/// <summary>An element of a reply, with its attributes and child elements (text is ignored).</summary>
public sealed record RibclElement(string Name, IReadOnlyList<KeyValuePair<string, string>> Attributes, List<RibclElement> Children)
{
    public string? Attribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// A RIBCL reply: a stream of documents, each
/// <code>
/// &lt;?xml version="1.0"?&gt;            (optional)
/// &lt;RIBCL VERSION="2.22"&gt;
///   &lt;RESPONSE STATUS="0x0000" MESSAGE="No error"/&gt;
///   &lt;GET_HOST_POWER HOST_POWER="ON"/&gt;   (data elements, possibly nested)
/// &lt;/RIBCL&gt;
/// </code>
/// The iLO sends one per element of the request it processed, so a status read brings four or
/// five. Some firmware closes RIBCL twice (<c>&lt;RIBCL VERSION="2.22"/&gt;</c> … <c>&lt;/RIBCL&gt;</c>);
/// that is read as one open element, the way external/riloe reads it.
/// </summary>
public sealed class RibclReply
{
    public List<RibclElement> Documents { get; } = [];

    /// <summary>Every RESPONSE element, in order (MESSAGE, or MSG as some firmware spells it).</summary>
    public List<(int Status, string Message)> Responses { get; } = [];

    public RibclElement? Find(string name) =>
        Documents.SelectMany(d => d.Children).FirstOrDefault(e => e.Name == name);

    private static int ParseStatus(string? s)
    {
        var hex = s?.Trim() ?? throw new RibclProtocolException("RESPONSE without STATUS");
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        return int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) && hex.Length is > 0 and <= 8
            ? v : throw new RibclProtocolException($"RESPONSE STATUS '{s}' is not hexadecimal");
    }

    /// <summary>Parses a complete reply (the connection has closed). Every character must belong to a document.</summary>
    public static RibclReply Parse(string text)
    {
        var reply = new RibclReply();
        var stack = new Stack<RibclElement>();
        var rest = text.AsSpan();
        var sawDeclaration = false;
        while (true)
        {
            var lex = XmlLexer.Read(rest, final: true, out var token, out var consumed, out var error);
            if (lex == XmlLex.NeedMore) break;
            if (lex == XmlLex.Invalid) throw new RibclProtocolException(error!);
            rest = rest[consumed..];
            switch (token!.Kind)
            {
                case XmlTokenKind.Text:
                    if (stack.Count == 0 && !string.IsNullOrWhiteSpace(token.Name))
                        throw new RibclProtocolException($"text outside a document: '{Trunc(token.Name)}'");
                    break;
                case XmlTokenKind.Declaration:
                    if (stack.Count > 0) throw new RibclProtocolException($"<?{token.Name}?> inside <{stack.Peek().Name}> (document not closed)");
                    if (sawDeclaration) throw new RibclProtocolException("two <?xml?> declarations without a document between them");
                    sawDeclaration = true;
                    break;
                case XmlTokenKind.Start:
                    var element = new RibclElement(token.Name, token.Attributes, []);
                    if (stack.Count == 0)
                    {
                        if (token.Name != "RIBCL") throw new RibclProtocolException($"document root is <{token.Name}>, not <RIBCL>");
                        reply.Documents.Add(element);
                        sawDeclaration = false;
                        // The double-closed RIBCL quirk: "<RIBCL …/>" followed by content is an open root.
                        if (token.SelfClosing && !NextIsDocumentBoundary(rest)) stack.Push(element);
                        else if (!token.SelfClosing) stack.Push(element);
                    }
                    else
                    {
                        stack.Peek().Children.Add(element);
                        if (!token.SelfClosing) stack.Push(element);
                    }
                    break;
                case XmlTokenKind.End:
                    if (stack.Count == 0) throw new RibclProtocolException($"</{token.Name}> without a start tag");
                    if (stack.Peek().Name != token.Name) throw new RibclProtocolException($"</{token.Name}> closes <{stack.Peek().Name}>");
                    stack.Pop();
                    break;
            }
        }
        if (stack.Count > 0) throw new RibclProtocolException($"reply ends inside <{stack.Peek().Name}> (truncated)");
        if (sawDeclaration) throw new RibclProtocolException("reply ends after <?xml?> without a document (truncated)");
        if (reply.Documents.Count == 0) throw new RibclProtocolException("empty reply");
        foreach (var e in reply.Documents.SelectMany(d => d.Children).Where(e => e.Name == "RESPONSE"))
            reply.Responses.Add((ParseStatus(e.Attribute("STATUS")), e.Attribute("MESSAGE") ?? e.Attribute("MSG") ?? ""));
        return reply;
    }

    private static bool NextIsDocumentBoundary(ReadOnlySpan<char> rest)
    {
        var t = rest.TrimStart();
        return t.IsEmpty || t.StartsWith("<?") || t.StartsWith("<RIBCL", StringComparison.Ordinal);
    }

    private static string Trunc(string s) => s.Length <= 40 ? s.Trim() : s[..40].Trim() + "…";
}
