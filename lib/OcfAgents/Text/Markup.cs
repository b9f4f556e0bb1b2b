namespace OcfAgents.Text;

/// <summary>
/// Escaping, once, for everything we write as markup: meta-data XML (OCF and fence-agent), the
/// requests of the wire protocols that speak XML (RIBCL, xcatd's), and roff man pages.
/// </summary>
public static class Markup
{
    /// <summary>A value inside a double-quoted XML attribute.</summary>
    public static string XmlAttribute(string s)
    {
        if (s.AsSpan().IndexOfAny("&<>\"'") < 0) return s;
        return s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&apos;");
    }

    /// <summary>XML element text: only &amp; and &lt; must be escaped (and &gt; for "]]>"); quotes stay readable.</summary>
    public static string XmlText(string s) =>
        s.AsSpan().IndexOfAny("&<>") < 0 ? s : s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>
    /// Text in a roff page: a backslash is roff's escape, "-" would be a hyphen (man pages want the
    /// minus that options are typed with), and a line that starts with "." or "'" would be read as
    /// a request; "\&amp;" in front makes it text.
    /// </summary>
    public static string Roff(string s)
    {
        var t = s.Replace("\\", "\\\\").Replace("-", "\\-").Replace("\n.", "\n\\&.").Replace("\n'", "\n\\&'");
        return t.StartsWith('.') || t.StartsWith('\'') ? "\\&" + t : t;
    }
}
