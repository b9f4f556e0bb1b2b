using System.Text;

namespace OcfAgents.Sys;

/// <summary>
/// Mount points from /proc/self/mountinfo (proc(5)): no fork of mountpoint(1), and exact for
/// bind mounts, which share st_dev with their source and fool a device comparison.
/// Field 5 is the mount point, with space, tab, newline and backslash escaped as \ooo.
/// </summary>
public static class MountTable
{
    public static bool IsMountPoint(string path, string mountinfoPath = "/proc/self/mountinfo")
    {
        var wanted = PathText.Normalize(path);
        foreach (var line in File.ReadLines(mountinfoPath))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && Unescape(fields[4]) == wanted) return true;
        }
        return false;
    }

    internal static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(field[i]);
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
