using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace OcfAgents.Logging;

/// <summary>
/// trace_ra: a timestamped record of one action — every log line at every level, every child
/// process with its exit, every change made to the file system — written where ocf-shellfuncs
/// writes its `set -x` trace, so admins find it where they look for any agent's:
///
/// | OCF_TRACE_FILE, else trace_file | the trace goes to                                                       |
/// |---------------------------------|-------------------------------------------------------------------------|
/// | 3–9                             | that descriptor, opened for writing by the caller                       |
/// | an absolute path /dir/file      | that file (appended)                                                    |
/// | unset                           | TRACE_DIR/TYPE/INSTANCE.ACTION.YYYY-MM-DD.HH:MM:SS, TRACE_DIR being trace_dir, else $HA_VARLIB/trace_ra (/var/lib/heartbeat/trace_ra); stderr when run from a terminal or without a resource instance |
/// | anything else                   | a warning, then as unset                                                |
///
/// One trace per process (an agent runs one action), so the file-system and process layers
/// write to it without being handed a log.
/// </summary>
public static class ActionTrace
{
    private static TextWriter? _out;
    private static bool _ownsOut;

    public static bool Active => _out is not null;

    /// <summary>Where the trace goes ("fd 3", a path, "stderr"); null when tracing is off.</summary>
    public static string? Destination { get; private set; }

    /// <summary>
    /// Starts the trace if asked for. <paramref name="setting"/> reads a setting by its
    /// resource-agents name: "trace_ra", "trace_file", "trace_dir" (the host looks in the
    /// environment, the resource's parameters and its meta attributes).
    /// </summary>
    public static void Start(Func<string, string?> setting, IReadOnlyDictionary<string, string> env,
        string type, string? instance, string action, TextWriter stderr, Log log)
    {
        if (setting("trace_ra") is not { } on || !Log.IsTrue(on)) return;
        var file = setting("trace_file");
        try
        {
            switch (file)
            {
                case { Length: 1 } fd when fd[0] is >= '3' and <= '9':
                    _out = new Sys.FdWriter(fd[0] - '0', autoFlush: true);
                    Destination = "fd " + fd;
                    return;
                case ['/', .. var rest] when rest.Contains('/'):
                    // The admin's (or crm_resource's: /dev/stderr) choice, symlink or not.
                    Open(file, followSymlink: true);
                    return;
                case { Length: > 0 }:
                    log.Warn($"trace_file '{file}' is neither a descriptor (3-9) nor an absolute path; tracing to the default place");
                    break;
            }
            if (instance is null || Sys.Native.IsATty(0) == 1)
            {
                _out = stderr;
                Destination = "stderr";
                return;
            }
            var dir = setting("trace_dir")
                ?? Path.Combine(env.TryGetValue("HA_VARLIB", out var varlib) && varlib.Length > 0 ? varlib : "/var/lib/heartbeat", "trace_ra");
            var stamp = DateTime.Now.ToString("yyyy-MM-dd.HH:mm:ss", CultureInfo.InvariantCulture);
            Directory.CreateDirectory(Path.Combine(dir, type));
            Open(Path.Combine(dir, type, $"{instance}.{action}.{stamp}"), followSymlink: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Sys.SysError)
        {
            // ocf-shellfuncs: "not writable, trace not going to happen" — the action itself goes on.
            _out = null;
            Destination = null;
            log.Warn($"trace_ra: cannot write the trace: {Sys.ErrorText.Describe(e)}; tracing is off");
        }
    }

    private static void Open(string path, bool followSymlink)
    {
        // The trace may hold what a resource's configuration reveals: only root reads it, and a
        // symlink planted at a name we chose is refused instead of followed.
        if (!followSymlink && Sys.AtomicFs.Kind(path) == Sys.PathKind.Symlink) throw new IOException($"{path} is a symlink; not writing a trace through it");
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        _out = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        _ownsOut = true;
        Destination = path;
    }

    /// <summary>One timestamped line; nothing when tracing is off. A trace that cannot be written never changes an action.</summary>
    public static void Write(string line)
    {
        if (_out is not { } w) return;
        try { w.Write($"+ {DateTime.Now:HH:mm:ss.ffffff}: {line}\n"); }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { _out = null; }
    }

    /// <summary>
    /// `ActionTrace.Write($"…")` formats nothing while tracing is off: the file-system and process
    /// layers call it on every step of every action, monitors included, and as with
    /// <see cref="Log.Debug(ref Log.DebugMessage)"/> a formatted string nobody reads costs a
    /// monitor its allocation and the first one the ArrayPool's set-up.
    /// </summary>
    public static void Write(ref TraceMessage line)
    {
        if (_out is not null) Write(line.ToStringAndClear());
    }

    [InterpolatedStringHandler]
    public ref struct TraceMessage
    {
        private DefaultInterpolatedStringHandler _text;

        public TraceMessage(int literalLength, int formattedCount, out bool enabled)
        {
            enabled = _out is not null;
            _text = enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
        }

        public void AppendLiteral(string value) => _text.AppendLiteral(value);
        public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);
        public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);
        internal string ToStringAndClear() => _text.ToStringAndClear();
    }

    public static void Stop()
    {
        var w = _out;
        _out = null;
        if (w is null) return;
        try { w.Flush(); if (_ownsOut) w.Dispose(); }
        catch (IOException) { }
        _ownsOut = false;
    }
}
