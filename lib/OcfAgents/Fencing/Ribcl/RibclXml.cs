using System.Globalization;
using System.Text;

namespace OcfAgents.Fencing.Ribcl;

/// <summary>The iLO's reply is not RIBCL we can read (garbled, truncated, not XML).</summary>
public sealed class RibclProtocolException(string message) : FenceDeviceException("garbled reply from the iLO: " + message);

public enum RibclTokenKind { Declaration, Start, End, Text }

/// <summary>
/// One lexical unit of RIBCL's XML subset: <c>&lt;?xml …?&gt;</c>, a start tag (possibly
/// self-closing) with its attributes, an end tag, or the text between tags. Comments are skipped.
/// </summary>
public sealed record RibclToken(RibclTokenKind Kind, string Name, IReadOnlyList<KeyValuePair<string, string>> Attributes, bool SelfClosing = false)
{
    public string? Attribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

public enum RibclLex { Token, NeedMore, Invalid }

/// <summary>
/// A lexer for the XML that RIBCL uses, incremental so that both sides of a stream can use it
/// (the iLO answers element by element while fence_ilo keeps its request open). It accepts what
/// iLO firmware and its clients actually send: upper-case names, whitespace around '=' in
/// attributes (<c>USER_LOGIN = "x"</c>), single or double quotes, the five predefined entities
/// and character references. It does not accept DTDs, CDATA or unterminated constructs.
/// </summary>
public static class RibclLexer
{
    private const int MaxTokenLength = 64 * 1024;

    /// <summary>
    /// Reads one token from the start of <paramref name="text"/>.
    /// Token: <paramref name="consumed"/> characters make up <paramref name="token"/>.
    /// NeedMore: the text ends inside a token (or is only whitespace-free text not yet closed by '&lt;').
    /// Invalid: <paramref name="error"/> says why; nothing after it can be trusted.
    /// </summary>
    public static RibclLex Read(ReadOnlySpan<char> text, bool final, out RibclToken? token, out int consumed, out string? error)
    {
        token = null; consumed = 0; error = null;
        if (text.IsEmpty) return RibclLex.NeedMore;
        if (text[0] != '<')
        {
            var lt = text.IndexOf('<');
            if (lt < 0 && !final) return text.Length > MaxTokenLength ? Fail("text too long", out error) : RibclLex.NeedMore;
            var end = lt < 0 ? text.Length : lt;
            if (!TryDecode(text[..end], out var decoded, out error)) return RibclLex.Invalid;
            token = new RibclToken(RibclTokenKind.Text, decoded, []);
            consumed = end;
            return RibclLex.Token;
        }
        if (text.StartsWith("<!--"))
        {
            var close = text.IndexOf("-->");
            if (close < 0) return Incomplete(text, final, "unterminated comment", out error);
            consumed = close + 3;
            token = new RibclToken(RibclTokenKind.Text, "", []);
            return RibclLex.Token;
        }
        if (text.StartsWith("<?"))
        {
            var close = text.IndexOf("?>");
            if (close < 0) return Incomplete(text, final, "unterminated <? ?>", out error);
            var name = ReadName(text[2..], out var n);
            if (n == 0) return Fail("<? without a name", out error);
            consumed = close + 2;
            token = new RibclToken(RibclTokenKind.Declaration, name, []);
            return RibclLex.Token;
        }
        var gt = text.IndexOf('>');
        if (gt < 0) return Incomplete(text, final, "unterminated tag", out error);
        // A '>' inside a quoted attribute value is legal XML; find the tag's real end.
        var tag = text[..(gt + 1)];
        var quote = '\0';
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') { quote = c; continue; }
            if (c == '>') { tag = text[..(i + 1)]; break; }
            if (i == text.Length - 1) return Incomplete(text, final, "unterminated tag", out error);
        }
        consumed = tag.Length;
        if (tag.Length > 1 && tag[1] == '/')
        {
            var name = ReadName(tag[2..], out var n);
            if (n == 0 || !tag[(2 + n)..^1].IsWhiteSpace()) return Fail($"malformed end tag {Show(tag)}", out error);
            token = new RibclToken(RibclTokenKind.End, name, []);
            return RibclLex.Token;
        }
        return ReadStartTag(tag, out token, out error);
    }

    // <NAME (S ATTR S? '=' S? ("…"|'…'))* S? '/'? '>'
    private static RibclLex ReadStartTag(ReadOnlySpan<char> tag, out RibclToken? token, out string? error)
    {
        token = null; error = null;
        var name = ReadName(tag[1..], out var n);
        if (n == 0) return Fail($"malformed tag {Show(tag)}", out error);
        var i = 1 + n;
        var body = tag[..^1];
        var selfClosing = body.EndsWith("/");
        if (selfClosing) body = body[..^1];
        var attributes = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var ws = SkipSpace(body, i);
            if (ws == body.Length) break;
            if (ws == i) return Fail($"malformed tag {Show(tag)}", out error);
            i = ws;
            var key = ReadName(body[i..], out var k);
            if (k == 0) return Fail($"malformed attribute in {Show(tag)}", out error);
            i = SkipSpace(body, i + k);
            if (i >= body.Length || body[i] != '=') return Fail($"attribute {key} without a value", out error);
            i = SkipSpace(body, i + 1);
            if (i >= body.Length || body[i] is not ('"' or '\'')) return Fail($"attribute {key} value not quoted", out error);
            var q = body[i];
            var close = body[(i + 1)..].IndexOf(q);
            if (close < 0) return Fail($"attribute {key} value not closed", out error);
            if (!TryDecode(body.Slice(i + 1, close), out var value, out error)) return RibclLex.Invalid;
            attributes.Add(new(key, value));
            i += close + 2;
        }
        token = new RibclToken(RibclTokenKind.Start, name, attributes, selfClosing);
        return RibclLex.Token;
    }

    private static RibclLex Incomplete(ReadOnlySpan<char> text, bool final, string what, out string? error)
    {
        error = null;
        if (final) return Fail(what + " at the end of the reply (truncated)", out error);
        return text.Length > MaxTokenLength ? Fail(what + " (token too long)", out error) : RibclLex.NeedMore;
    }

    private static RibclLex Fail(string message, out string? error) { error = message; return RibclLex.Invalid; }

    private static int SkipSpace(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n') i++;
        return i;
    }

    private static string ReadName(ReadOnlySpan<char> s, out int length)
    {
        length = 0;
        if (s.IsEmpty || !(char.IsAsciiLetter(s[0]) || s[0] == '_')) return "";
        length = 1;
        while (length < s.Length && (char.IsAsciiLetterOrDigit(s[length]) || s[length] is '_' or '-' or '.' or ':')) length++;
        return s[..length].ToString();
    }

    private static string Show(ReadOnlySpan<char> s) => s.Length <= 60 ? s.ToString() : s[..60].ToString() + "…";

    /// <summary>Resolves &amp;lt; &amp;gt; &amp;amp; &amp;quot; &amp;apos; and &amp;#N; / &amp;#xN;; a bare '&amp;' or '&lt;' is an error.</summary>
    public static bool TryDecode(ReadOnlySpan<char> raw, out string value, out string? error)
    {
        error = null;
        value = "";
        if (raw.IndexOfAny('&', '<') < 0) { value = raw.ToString(); return true; }
        var sb = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '<') { error = "'<' in text or attribute value"; return false; }
            if (c != '&') { sb.Append(c); continue; }
            var semi = raw[i..].IndexOf(';');
            if (semi < 2) { error = "bare '&'"; return false; }
            var entity = raw.Slice(i + 1, semi - 1);
            switch (entity)
            {
                case "lt": sb.Append('<'); break;
                case "gt": sb.Append('>'); break;
                case "amp": sb.Append('&'); break;
                case "quot": sb.Append('"'); break;
                case "apos": sb.Append('\''); break;
                default:
                    if (entity[0] != '#' || !TryCharRef(entity[1..], out var code)) { error = $"unknown entity &{entity.ToString()};"; return false; }
                    sb.Append(char.ConvertFromUtf32(code));
                    break;
            }
            i += semi;
        }
        value = sb.ToString();
        return true;
    }

    private static bool TryCharRef(ReadOnlySpan<char> s, out int code)
    {
        code = 0;
        var ok = s.Length > 1 && s[0] is 'x' or 'X'
            ? int.TryParse(s[1..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code)
            : int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out code);
        return ok && code is > 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF);
    }

    /// <summary>Escapes a value for a double-quoted attribute.</summary>
    public static string Escape(string value) =>
        value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&apos;");
}

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
            var lex = RibclLexer.Read(rest, final: true, out var token, out var consumed, out var error);
            if (lex == RibclLex.NeedMore) break;
            if (lex == RibclLex.Invalid) throw new RibclProtocolException(error!);
            rest = rest[consumed..];
            switch (token!.Kind)
            {
                case RibclTokenKind.Text:
                    if (stack.Count == 0 && !string.IsNullOrWhiteSpace(token.Name))
                        throw new RibclProtocolException($"text outside a document: '{Trunc(token.Name)}'");
                    break;
                case RibclTokenKind.Declaration:
                    if (stack.Count > 0) throw new RibclProtocolException($"<?{token.Name}?> inside <{stack.Peek().Name}> (document not closed)");
                    if (sawDeclaration) throw new RibclProtocolException("two <?xml?> declarations without a document between them");
                    sawDeclaration = true;
                    break;
                case RibclTokenKind.Start:
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
                case RibclTokenKind.End:
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
