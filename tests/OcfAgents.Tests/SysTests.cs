using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Tests;

public class PathTextTests
{
    [Theory]
    [InlineData("/a//b/./c/", "/a/b/c")]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("a/./b", "a/b")]
    [InlineData("/install", "/install")]
    [InlineData("/var/lib/pgsql/", "/var/lib/pgsql")]
    [InlineData("/etc/xcat/.", "/etc/xcat")]
    [InlineData("/./root/.xcat", "/root/.xcat")]
    [InlineData(".", ".")]
    [InlineData("./", ".")]
    [InlineData("/a/../b", "/a/../b")]
    public void Normalisation_collapses_slashes_and_dots_only(string raw, string expected) =>
        Assert.Equal(expected, PathText.Normalize(raw));

    [Theory]
    [InlineData("/srv/c++.d", "/srv/c++.d", true)]
    [InlineData("/srv/c++.d/x", "/srv/c++.d", true)]
    [InlineData("/srv/cxx.d", "/srv/c++.d", false)]
    [InlineData("/srv/a.b", "/srv/aXb", false)]
    [InlineData("/srv/install2", "/srv/install", false)]
    [InlineData("/anything", "/", true)]
    [InlineData("/srv/install//x/", "/srv/install/", true)]
    [InlineData("/srv", "/srv/install", false)]
    public void Paths_are_compared_as_paths_never_as_patterns(string inner, string outer, bool within) =>
        Assert.Equal(within, PathText.IsWithin(inner, outer));

    [Theory]
    [InlineData("/a/../b", true)]
    [InlineData("/..", true)]
    [InlineData("..", true)]
    [InlineData("/a/..b", false)]
    [InlineData("/a/b..", false)]
    [InlineData("/a/.../b", false)]
    public void Only_a_whole_dot_dot_component_counts_as_dot_dot(string path, bool expected) =>
        Assert.Equal(expected, PathText.HasDotDot(path));

    [Fact]
    public void A_relative_link_text_is_resolved_against_the_links_directory() =>
        Assert.Equal("/srv/HA/install", PathText.ResolveLinkText("/srv/install", "HA/./install"));

    [Fact]
    public void Mountinfo_octal_escapes_are_decoded() =>
        Assert.Equal("/mnt/with space\\x", MountTable.Unescape("/mnt/with\\040space\\134x"));

    [Fact]
    public void The_root_file_system_is_a_mount_point_and_a_fresh_directory_is_not()
    {
        Assert.True(MountTable.IsMountPoint("/"));
        Assert.False(MountTable.IsMountPoint(Directory.CreateTempSubdirectory().FullName));
    }
}

public class AtomicFsTests
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atomic").FullName;

    [Fact]
    public void Rename_without_replace_refuses_an_existing_destination_and_leaves_both()
    {
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        File.WriteAllText(a, "new");
        File.WriteAllText(b, "backup");
        var e = Assert.Throws<SysError>(() => AtomicFs.RenameNoReplace(a, b));
        Assert.Equal(Native.EEXIST, e.Errno);
        Assert.Equal("new", File.ReadAllText(a));
        Assert.Equal("backup", File.ReadAllText(b));
    }

    [Fact]
    public void A_symlink_is_made_under_its_final_name_and_leaves_no_temporary_name()
    {
        var link = Path.Combine(_dir, "l");
        var temp = Path.Combine(_dir, ".l.new");
        AtomicFs.SymlinkNoReplace("/new", link, temp);
        Assert.Equal("/new", AtomicFs.ReadLink(link));
        Assert.Equal(PathKind.Absent, AtomicFs.Kind(temp));
    }

    /// <summary>
    /// Whatever is at the final name when the link is renamed there — a file another action
    /// restored, an old link, a directory — stays as it was: EEXIST, and the temporary link goes.
    /// </summary>
    [Theory]
    [InlineData("file")]
    [InlineData("link")]
    [InlineData("directory")]
    public void A_symlink_never_replaces_what_is_already_at_its_name(string kind)
    {
        var path = Path.Combine(_dir, "d");
        var temp = Path.Combine(_dir, ".d.new");
        switch (kind)
        {
            case "file": File.WriteAllText(path, "restored data"); break;
            case "link": File.CreateSymbolicLink(path, "/old"); break;
            default: Directory.CreateDirectory(path); break;
        }
        var e = Assert.Throws<SysError>(() => AtomicFs.SymlinkNoReplace("/x", path, temp));
        Assert.True(e.IsAlreadyExists, e.Message);
        Assert.Equal(PathKind.Absent, AtomicFs.Kind(temp));
        switch (kind)
        {
            case "file": Assert.Equal("restored data", File.ReadAllText(path)); break;
            case "link": Assert.Equal("/old", AtomicFs.ReadLink(path)); break;
            default: Assert.Equal(PathKind.Directory, AtomicFs.Kind(path)); break;
        }
    }

    [Fact]
    public void Path_kinds_are_told_apart_without_following_the_final_link()
    {
        var dangling = Path.Combine(_dir, "dangling");
        File.CreateSymbolicLink(dangling, "/nonexistent/target");
        Assert.Equal(PathKind.Symlink, AtomicFs.Kind(dangling));
        Assert.Equal(PathKind.Absent, AtomicFs.Kind(Path.Combine(_dir, "none")));
        Assert.Equal(PathKind.Directory, AtomicFs.Kind(_dir));
    }

    [Fact]
    public void An_atomically_written_file_has_its_content_and_mode()
    {
        var path = Path.Combine(_dir, "secret.cnf");
        AtomicFs.WriteFileAtomic(path, "pw"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("pw", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }
}

public class ProcessTests
{
    [Fact]
    public void A_command_gets_its_stdin_and_returns_its_output()
    {
        var r = ProcessRunner.Run(new ProcessSpec(["cat"]) { StandardInput = "hello" }, Deadline.After(TimeSpan.FromSeconds(10)));
        Assert.True(r.Succeeded);
        Assert.Equal("hello", r.Stdout);
    }

    [Fact]
    public async Task A_command_returns_its_output_even_while_the_thread_pool_is_busy()
    {
        // Every pool thread blocked for 3 s, as blocking tests (or agent code) can do: the output
        // must not depend on the pool getting round to it within the grace after the exit.
        using var release = new ManualResetEventSlim();
        var blockers = Enumerable.Range(0, Environment.ProcessorCount * 8).Select(_ => Task.Run(() => release.Wait(3000))).ToArray();
        try
        {
            var r = ProcessRunner.Run(new ProcessSpec(["cat"]) { StandardInput = "hello" }, Deadline.After(TimeSpan.FromSeconds(10)));
            Assert.Equal("hello", r.Stdout);
        }
        finally
        {
            release.Set();
            await Task.WhenAll(blockers);
        }
    }

    [Fact]
    public void A_command_past_the_deadline_is_killed_and_reported_as_timed_out()
    {
        var r = ProcessRunner.Run(new ProcessSpec(["sleep", "30"]), Deadline.After(TimeSpan.FromMilliseconds(700)));
        Assert.True(r.TimedOut);
        Assert.False(r.Succeeded);
    }

    [Fact]
    public void A_secret_on_the_command_line_is_refused_before_anything_runs()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessRunner.Run(
            new ProcessSpec(["echo", "--password=hunter2"]) { Secrets = ["hunter2"] }, Deadline.After(TimeSpan.FromSeconds(5))));
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void A_process_identity_survives_only_as_long_as_the_same_process()
    {
        var me = ProcessIdentity.Of(Environment.ProcessId)!.Value;
        Assert.True(me.IsAlive);
        Assert.False((me with { StartTime = me.StartTime + 1 }).IsAlive);
        Assert.Equal(me, ProcessIdentity.Parse(me.ToString()));
        Assert.Null(ProcessIdentity.Of(int.MaxValue));
    }

    [Fact]
    public void A_process_whose_main_thread_exited_is_alive_until_its_last_thread_ends()
    {
        // The main thread leaves with pthread_exit (state Z) while a second thread still runs,
        // as a multi-threaded server's leader does for a moment after SIGKILL.
        var dir = Directory.CreateTempSubdirectory("threads").FullName;
        var release = Path.Combine(dir, "release");
        var script = $$"""
            import ctypes, os, threading, time
            def worker():
                while not os.path.exists({{System.Text.Json.JsonSerializer.Serialize(release)}}): time.sleep(0.01)
            threading.Thread(target=worker).start()
            ctypes.CDLL(None).pthread_exit(None)
            """;
        using var p = System.Diagnostics.Process.Start("python3", ["-c", script]);
        try
        {
            Assert.True(Deadline.After(TimeSpan.FromSeconds(12)).WaitUntil(() => File.ReadAllText($"/proc/{p.Id}/stat").Split(") ")[1].StartsWith('Z'), TimeSpan.FromMilliseconds(10)),
                "the main thread did not exit");
            Assert.NotNull(ProcessIdentity.Of(p.Id));
            Assert.True(ProcessIdentity.LeaderExited(p.Id));
            File.WriteAllText(release, "");
            Assert.True(Deadline.After(TimeSpan.FromSeconds(12)).WaitUntil(() => ProcessIdentity.Of(p.Id) is null, TimeSpan.FromMilliseconds(10)),
                "still alive after its last thread ended");
            Assert.False(ProcessIdentity.LeaderExited(p.Id));
        }
        finally
        {
            File.WriteAllText(release, "");
            p.WaitForExit();
        }
    }

    [Fact]
    public void A_deadline_leaves_a_margin_before_the_timeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(18), Deadline.After(TimeSpan.FromSeconds(20)).Budget);
        Assert.Equal(TimeSpan.FromSeconds(118), Deadline.After(TimeSpan.FromSeconds(120)).Budget);
        Assert.Equal(TimeSpan.FromMilliseconds(800), Deadline.After(TimeSpan.FromSeconds(1)).Budget);
    }
}

public class LogTests
{
    [Fact]
    public void Info_goes_to_HA_LOGFILE_and_debug_only_to_HA_DEBUGLOG_when_HA_debug_is_set()
    {
        var dir = Directory.CreateTempSubdirectory("log").FullName;
        var logFile = Path.Combine(dir, "ha.log");
        var debugLog = Path.Combine(dir, "debug.log");
        var stderr = new StringWriter();
        var log = new Log("shareddata(rsc)", stderr, new Dictionary<string, string>
        {
            ["HA_LOGFILE"] = logFile, ["HA_DEBUGLOG"] = debugLog, ["HA_debug"] = "1",
        });
        log.Info("linked /install");
        log.Debug("readlink /install");
        Assert.Contains("shareddata(rsc)", File.ReadAllText(logFile));
        Assert.Contains("INFO: linked /install", File.ReadAllText(logFile));
        Assert.DoesNotContain("readlink", File.ReadAllText(logFile));
        Assert.Contains("DEBUG: readlink /install", File.ReadAllText(debugLog));
        // pacemaker-execd copies stderr into its own log: with a destination set, a line there would appear twice.
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Without_HA_LOGFILE_or_HA_LOGFACILITY_log_lines_go_to_stderr_and_fence_agents_always_keep_them_there()
    {
        var stderr = new StringWriter();
        new Log("a", stderr, new Dictionary<string, string>()).Info("to stderr");
        new Log("a", stderr, new Dictionary<string, string> { ["HA_LOGFACILITY"] = "none" }).Info("facility none is no destination");
        new Log("a", stderr, new Dictionary<string, string> { ["HA_LOGFACILITY"] = "daemon" }).Info("only syslog");
        new Log("f", stderr, new Dictionary<string, string> { ["HA_LOGFILE"] = "/dev/null" }, alwaysStderr: true).Error("fencer reads this");
        var text = stderr.ToString();
        Assert.Contains("INFO: to stderr", text);
        Assert.Contains("facility none is no destination", text);
        Assert.DoesNotContain("only syslog", text);
        Assert.Contains("ERROR: fencer reads this", text);
    }

    [Fact]
    public void Debug_lines_are_dropped_unless_debugging_is_asked_for()
    {
        var stderr = new StringWriter();
        new Log("a", stderr, new Dictionary<string, string>()).Debug("hidden");
        Assert.Equal("", stderr.ToString());
        new Log("a", stderr, new Dictionary<string, string> { ["HA_debug"] = "1" }).Debug("shown");
        Assert.Contains("shown", stderr.ToString());
    }

    private sealed class CountsFormatting
    {
        public int Count;
        public override string ToString() { Count++; return "state"; }
    }

    [Fact]
    public void A_formatted_debug_line_costs_nothing_unless_debugging_is_asked_for()
    {
        var stderr = new StringWriter();
        var value = new CountsFormatting();
        new Log("a", stderr, new Dictionary<string, string>()).Debug($"monitor: {value}");
        Assert.Equal(0, value.Count);
        Assert.Equal("", stderr.ToString());
        new Log("a", stderr, new Dictionary<string, string> { ["HA_debug"] = "1" }).Debug($"monitor: {value}");
        Assert.Equal(1, value.Count);
        Assert.Contains("DEBUG: monitor: state", stderr.ToString());
    }

    [Fact]
    public void A_trace_line_formats_nothing_while_no_trace_is_being_written()
    {
        var value = new CountsFormatting();
        Assert.False(ActionTrace.Active);
        ActionTrace.Write($"rename {value} -> {value}");
        new Log("a", new StringWriter(), new Dictionary<string, string>()).Info($"plain {value}");
        Assert.Equal(1, value.Count); // the Info line alone
    }

    [Fact]
    public void An_unwritable_log_file_never_breaks_an_action()
    {
        var log = new Log("a", new StringWriter(), new Dictionary<string, string> { ["HA_LOGFILE"] = "/nonexistent/dir/ha.log" });
        log.Info("still fine");
    }
}

public class FdWriterTests
{
    [Fact]
    public void Output_reaches_the_descriptor_as_UTF8_with_a_surrogate_pair_split_across_writes_intact()
    {
        var file = Path.Combine(Path.GetTempPath(), $"fdwriter-{Guid.NewGuid():N}");
        try
        {
            using (var fs = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
            {
                var fd = (int)fs.SafeFileHandle.DangerousGetHandle();
                var w = new FdWriter(fd, autoFlush: false);
                w.Write("/HA-data é ");
                w.Write('\uD83D');
                w.Write('\uDE00');
                w.WriteLine(" done");
                Assert.Equal(0, new FileInfo(file).Length);
                w.Flush();
                // The descriptor's own offset moved: a second writer on it appends, as the shell's next command would.
                var after = new FdWriter(fd, autoFlush: true);
                after.Write("next");
            }
            Assert.Equal("/HA-data é \U0001F600 done\nnext", File.ReadAllText(file));
        }
        finally { File.Delete(file); }
    }
}

public class ProcessEnvironmentTests
{
    [Fact]
    public void The_process_environment_answers_single_names_and_lists_every_variable()
    {
        var name = $"OCF_RESKEY_test_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, "/HA-data");
        try
        {
            var env = new ProcessEnvironment();
            Assert.True(env.TryGetValue(name, out var value));
            Assert.Equal("/HA-data", value);
            Assert.False(env.ContainsKey(name + "_absent"));
            Assert.Contains(new KeyValuePair<string, string>(name, "/HA-data"), env);
            Assert.Equal(Environment.GetEnvironmentVariables().Count, env.Count);
        }
        finally { Environment.SetEnvironmentVariable(name, null); }
    }
}

public class UdpSocketTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void A_datagram_goes_out_and_the_reply_comes_back_over_IPv4_and_IPv6(string loopback)
    {
        var address = System.Net.IPAddress.Parse(loopback);
        using var server = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(address, 0));
        var port = ((System.Net.IPEndPoint)server.Client.LocalEndPoint!).Port;
        using var client = new UdpSocket(address, port);
        client.Send("ping"u8);
        System.Net.IPEndPoint? from = null;
        Assert.Equal("ping"u8.ToArray(), server.Receive(ref from));
        server.Send("pong"u8.ToArray(), from);
        Assert.True(client.WaitReadable(TimeSpan.FromSeconds(5)));
        var buffer = new byte[16];
        Assert.Equal("pong", System.Text.Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)));
        Assert.False(client.WaitReadable(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void Nothing_listening_on_the_port_is_reported_as_connection_refused()
    {
        int port;
        using (var probe = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)))
            port = ((System.Net.IPEndPoint)probe.Client.LocalEndPoint!).Port;
        using var client = new UdpSocket(System.Net.IPAddress.Loopback, port);
        client.Send("anyone?"u8);
        Assert.True(client.WaitReadable(TimeSpan.FromSeconds(5)));
        var e = Assert.Throws<UdpException>(() => client.Receive(new byte[16]));
        Assert.True(e.IsConnectionRefused, e.Message);
    }
}
