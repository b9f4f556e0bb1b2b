using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using OcfAgents.Sys;

namespace OcfAgents.Logging;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// ocf_log's destinations, from the environment Pacemaker and Heartbeat set, as ocf-shellfuncs
/// has them:
///
/// | variable         | effect                                                        |
/// |------------------|---------------------------------------------------------------|
/// | HA_LOGFACILITY   | syslog(3) to /dev/log with that facility ("none" = off)       |
/// | HA_LOGFILE       | appended to that file, with a timestamp                       |
/// | neither          | stderr, "agent(instance)[pid]: LEVEL: message" (Pacemaker logs it) |
/// | HA_DEBUGLOG      | debug lines appended there (debug only when enabled)          |
/// | HA_debug=1       | debug lines enabled                                           |
/// | trace_ra         | every line, debug included, also to the trace (<see cref="ActionTrace"/>) |
///
/// With a destination set, stderr carries no log line: pacemaker-execd copies an agent's stderr
/// into its own log, and every line would be there twice. The exit reason is the host's, and
/// always goes to stderr. Fence agents keep stderr too (<c>alwaysStderr</c>): the fencer reads
/// their ERROR line there, as fence-agents print it.
///
/// Secrets never reach a log: callers log names, not values (parameters marked secret are
/// never formatted by the host).
/// </summary>
public sealed class Log
{
    private readonly string _tag;
    private readonly TextWriter _stderr;
    private readonly string? _logFile, _debugLog;
    private readonly int? _facility;
    private readonly bool _debug, _toStderr;

    public static Log Silent { get; } = new("silent", TextWriter.Null, new Dictionary<string, string>());

    public Log(string tag, TextWriter stderr, IReadOnlyDictionary<string, string> env, bool alwaysStderr = false)
    {
        _tag = tag;
        _stderr = stderr;
        string? Get(string k) => env.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        _logFile = Get("HA_LOGFILE");
        _debugLog = Get("HA_DEBUGLOG");
        _debug = Get("HA_debug") is { } d && d != "0" && !d.Equals("false", StringComparison.OrdinalIgnoreCase);
        _facility = Get("HA_LOGFACILITY") is { } f && f != "none" ? Facility(f) : null;
        _toStderr = alwaysStderr || (_logFile is null && _facility is null);
    }

    /// <summary>Debug lines are wanted: HA_debug, or a trace is being written.</summary>
    public bool DebugEnabled => _debug || ActionTrace.Active;

    public void Debug(string message) { if (DebugEnabled) Write(LogLevel.Debug, message); }

    /// <summary>
    /// `log.Debug($"…")` formats nothing unless debug is on. Besides the string itself, the
    /// first formatted string of a process rents from the shared ArrayPool, whose set-up seeds
    /// a random generator from /dev/urandom: a cost every recurring monitor would pay for a line
    /// nobody reads.
    /// </summary>
    public void Debug([InterpolatedStringHandlerArgument("")] ref DebugMessage message)
    {
        if (DebugEnabled) Write(LogLevel.Debug, message.ToStringAndClear());
    }

    [InterpolatedStringHandler]
    public ref struct DebugMessage
    {
        private DefaultInterpolatedStringHandler _text;

        public DebugMessage(int literalLength, int formattedCount, Log log, out bool enabled)
        {
            enabled = log.DebugEnabled;
            _text = enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
        }

        public void AppendLiteral(string value) => _text.AppendLiteral(value);
        public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);
        public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);
        public void AppendFormatted<T>(T value, int alignment) => _text.AppendFormatted(value, alignment);
        public void AppendFormatted<T>(T value, int alignment, string? format) => _text.AppendFormatted(value, alignment, format);
        internal string ToStringAndClear() => _text.ToStringAndClear();
    }
    public void Info(string message) => Write(LogLevel.Info, message);
    public void Warn(string message) => Write(LogLevel.Warn, message);
    public void Error(string message) => Write(LogLevel.Error, message);

    public void Write(LogLevel level, string message)
    {
        var name = level switch { LogLevel.Debug => "DEBUG", LogLevel.Info => "INFO", LogLevel.Warn => "WARNING", _ => "ERROR" };
        var line = $"{_tag}[{Environment.ProcessId}]: {name}: {ErrorText.Printable(message)}";
        ActionTrace.Write($"{name}: {ErrorText.Printable(message)}");
        // A debug line made only for the trace goes nowhere else.
        if (level == LogLevel.Debug && !_debug) return;
        try
        {
            if (_toStderr)
            {
                _stderr.WriteLine(line);
                _stderr.Flush();
            }
            var stamped = $"{DateTime.Now:yyyy-MM-ddTHH:mm:ss.ffffff} {line}\n";
            if (level == LogLevel.Debug)
            {
                if (_debugLog is not null) File.AppendAllText(_debugLog, stamped);
            }
            else if (_logFile is not null) File.AppendAllText(_logFile, stamped);
            if (_facility is { } facility) Syslog(facility, level, line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            // A log destination that cannot be written must never change an action's result.
        }
    }

    private static void Syslog(int facility, LogLevel level, string line)
    {
        var severity = level switch { LogLevel.Debug => 7, LogLevel.Info => 6, LogLevel.Warn => 4, _ => 3 };
        // RFC 3164 as glibc's syslog(3) sends it to /dev/log: "<PRI>TAG[PID]: MSG".
        var payload = Encoding.UTF8.GetBytes($"<{facility * 8 + severity}>{line}");
        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint("/dev/log"));
        s.Send(payload);
    }

    internal static int? Facility(string name) => name.ToLowerInvariant() switch
    {
        "kern" => 0, "user" => 1, "mail" => 2, "daemon" => 3, "auth" => 4, "syslog" => 5, "lpr" => 6,
        "news" => 7, "uucp" => 8, "cron" => 9, "authpriv" => 10, "ftp" => 11,
        "local0" => 16, "local1" => 17, "local2" => 18, "local3" => 19,
        "local4" => 20, "local5" => 21, "local6" => 22, "local7" => 23,
        _ => null,
    };

    /// <summary>ocf_is_true: yes, true, 1, on (any case).</summary>
    public static bool IsTrue(string v) => v.ToLowerInvariant() is "yes" or "true" or "1" or "on";
}
