using System.Globalization;
using System.Text;

namespace OcfAgents.Xml;

public enum XmlTokenKind { Declaration, Start, End, Text }

/// <summary>
/// One lexical unit of the XML subset that RIBCL and xCAT's client protocol use: <c>&lt;?xml …?&gt;</c>, a start tag (possibly
/// self-closing) with its attributes, an end tag, or the text between tags. Comments are skipped.
/// </summary>
public sealed record XmlToken(XmlTokenKind Kind, string Name, IReadOnlyList<KeyValuePair<string, string>> Attributes, bool SelfClosing = false)
{
    public string? Attribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

public enum XmlLex { Token, NeedMore, Invalid }

/// <summary>
/// A lexer for the XML that RIBCL and xcatd speak, incremental so that both sides of a stream can
/// use it (the iLO answers element by element while fence_ilo keeps its request open; xcatd sends
/// &lt;xcatresponse&gt; after &lt;xcatresponse&gt; until one holds &lt;serverdone&gt;). It accepts what
/// iLO firmware, xcatd and their clients actually send: upper-case names, whitespace around '=' in
/// attributes (<c>USER_LOGIN = "x"</c>), single or double quotes, the five predefined entities
/// and character references. It does not accept DTDs, CDATA or unterminated constructs.
/// </summary>
public static class XmlLexer
{
    private const int MaxTokenLength = 64 * 1024;

    /// <summary>
    /// Reads one token from the start of <paramref name="text"/>.
    /// Token: <paramref name="consumed"/> characters make up <paramref name="token"/>.
    /// NeedMore: the text ends inside a token (or is only whitespace-free text not yet closed by '&lt;').
    /// Invalid: <paramref name="error"/> says why; nothing after it can be trusted.
    /// </summary>
    public static XmlLex Read(ReadOnlySpan<char> text, bool final, out XmlToken? token, out int consumed, out string? error)
    {
        token = null; consumed = 0; error = null;
        if (text.IsEmpty) return XmlLex.NeedMore;
        if (text[0] != '<')
        {
            var lt = text.IndexOf('<');
            if (lt < 0 && !final) return text.Length > MaxTokenLength ? Fail("text too long", out error) : XmlLex.NeedMore;
            var end = lt < 0 ? text.Length : lt;
            if (!TryDecode(text[..end], out var decoded, out error)) return XmlLex.Invalid;
            token = new XmlToken(XmlTokenKind.Text, decoded, []);
            consumed = end;
            return XmlLex.Token;
        }
        if (text.StartsWith("<!--"))
        {
            var close = text.IndexOf("-->");
            if (close < 0) return Incomplete(text, final, "unterminated comment", out error);
            consumed = close + 3;
            token = new XmlToken(XmlTokenKind.Text, "", []);
            return XmlLex.Token;
        }
        if (text.StartsWith("<?"))
        {
            var close = text.IndexOf("?>");
            if (close < 0) return Incomplete(text, final, "unterminated <? ?>", out error);
            var name = ReadName(text[2..], out var n);
            if (n == 0) return Fail("<? without a name", out error);
            consumed = close + 2;
            token = new XmlToken(XmlTokenKind.Declaration, name, []);
            return XmlLex.Token;
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
            token = new XmlToken(XmlTokenKind.End, name, []);
            return XmlLex.Token;
        }
        return ReadStartTag(tag, out token, out error);
    }

    // <NAME (S ATTR S? '=' S? ("…"|'…'))* S? '/'? '>'
    private static XmlLex ReadStartTag(ReadOnlySpan<char> tag, out XmlToken? token, out string? error)
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
            if (!TryDecode(body.Slice(i + 1, close), out var value, out error)) return XmlLex.Invalid;
            attributes.Add(new(key, value));
            i += close + 2;
        }
        token = new XmlToken(XmlTokenKind.Start, name, attributes, selfClosing);
        return XmlLex.Token;
    }

    private static XmlLex Incomplete(ReadOnlySpan<char> text, bool final, string what, out string? error)
    {
        error = null;
        if (final) return Fail(what + " at the end of the reply (truncated)", out error);
        return text.Length > MaxTokenLength ? Fail(what + " (token too long)", out error) : XmlLex.NeedMore;
    }

    private static XmlLex Fail(string message, out string? error) { error = message; return XmlLex.Invalid; }

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
}
