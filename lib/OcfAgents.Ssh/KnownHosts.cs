using System.Security.Cryptography;
using System.Text;

namespace OcfAgents.Ssh;

/// <summary>What an ssh_known_hosts file says about a host's key.</summary>
public enum HostKeyVerdict { Pinned, Mismatch, Unknown, Revoked }

/// <summary>
/// An OpenSSH known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), read for one host:
///   [@revoked] hostnames keytype base64-key [comment]
/// hostnames: comma-separated patterns (* and ? wildcards, ! negation), "[host]:port" when the
/// port is not 22, or one hashed name "|1|base64(salt)|base64(HMAC-SHA1(salt, name))".
/// @cert-authority lines are skipped: certificates are not accepted here. A key is compared as
/// its wire blob, so the algorithm it is signed with (rsa-sha2-512 for an ssh-rsa key) does not
/// matter.
/// </summary>
public sealed class KnownHosts
{
    private readonly List<(bool Revoked, string KeyType, byte[] Blob)> _keys;

    private KnownHosts(List<(bool, string, byte[])> keys) => _keys = keys;

    /// <summary>The host's lines of <paramref name="file"/>; an unreadable file throws IOException or UnauthorizedAccessException.</summary>
    public static KnownHosts For(string file, string host, int port)
    {
        var name = port == 22 ? host : $"[{host}]:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var keys = new List<(bool, string, byte[])>();
        foreach (var raw in File.ReadLines(file))
        {
            var fields = raw.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#')) continue;
            var revoked = fields[0] == "@revoked";
            if (fields[0].StartsWith('@') && !revoked) continue;
            var at = revoked ? 1 : 0;
            if (fields.Length < at + 3 || !Matches(fields[at], name)) continue;
            try { keys.Add((revoked, fields[at + 1], Convert.FromBase64String(fields[at + 2]))); }
            catch (FormatException) { }
        }
        return new KnownHosts(keys);
    }

    /// <summary>The key types pinned for the host (to offer only those in the key exchange, as OpenSSH prefers them).</summary>
    public IReadOnlyList<string> KeyTypes => _keys.Where(k => !k.Revoked).Select(k => k.KeyType).Distinct().ToList();

    public HostKeyVerdict Check(byte[] blob)
    {
        if (_keys.Any(k => k.Revoked && k.Blob.AsSpan().SequenceEqual(blob))) return HostKeyVerdict.Revoked;
        if (_keys.Any(k => !k.Revoked && k.Blob.AsSpan().SequenceEqual(blob))) return HostKeyVerdict.Pinned;
        return _keys.Any(k => !k.Revoked) ? HostKeyVerdict.Mismatch : HostKeyVerdict.Unknown;
    }

    /// <summary>The SHA256 fingerprint as ssh-keygen -l prints it.</summary>
    public static string Fingerprint(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    /// <summary>The pinned keys' fingerprints, for an error message.</summary>
    public string Pinned => string.Join(", ", _keys.Where(k => !k.Revoked).Select(k => $"{k.KeyType} {Fingerprint(k.Blob)}"));

    private static bool Matches(string hostnames, string name)
    {
        if (hostnames.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = hostnames.Split('|');
            if (parts.Length != 4) return false;
            try
            {
                var hash = HMACSHA1.HashData(Convert.FromBase64String(parts[2]), Encoding.ASCII.GetBytes(name));
                return CryptographicOperations.FixedTimeEquals(hash, Convert.FromBase64String(parts[3]));
            }
            catch (FormatException) { return false; }
        }
        var matched = false;
        foreach (var pattern in hostnames.Split(','))
        {
            var negated = pattern.StartsWith('!');
            if (!Glob(negated ? pattern[1..] : pattern, name)) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    private static bool Glob(string pattern, string text)
    {
        if (pattern.Length == 0) return text.Length == 0;
        if (pattern[0] == '*') return Enumerable.Range(0, text.Length + 1).Any(i => Glob(pattern[1..], text[i..]));
        return text.Length > 0 && (pattern[0] == '?' || char.ToLowerInvariant(pattern[0]) == char.ToLowerInvariant(text[0])) && Glob(pattern[1..], text[1..]);
    }
}
