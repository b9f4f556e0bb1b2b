using OcfAgents.Sys;
using Tmds.DBus.Protocol;

namespace OcfAgents.DBus;

/// <summary>Writes a call's arguments. By reference: MessageWriter is a struct that tracks its own position.</summary>
public delegate void WriteArguments(ref MessageWriter writer);

/// <summary>How a method call ended, in the terms the agents act on.</summary>
public enum CallOutcome { Ok, NoService, BusDown, Error }

/// <summary>A method call's answer: its outcome, the D-Bus error name and message when it failed, or the value read from the reply.</summary>
public readonly record struct CallResult<T>(CallOutcome Outcome, T? Value, string? ErrorName, string Text);

/// <summary>
/// One connection to a message bus, every step bounded by the caller's deadline. The agents run
/// one action per process and make a few calls in it, so the connection lives as long as the
/// action and each call waits synchronously. No child process: the D-Bus wire protocol is
/// Tmds.DBus.Protocol's.
///
/// | what went wrong                                            | outcome   |
/// |------------------------------------------------------------|-----------|
/// | cannot connect or authenticate, connection lost, deadline  | BusDown   |
/// | org.freedesktop.DBus.Error.ServiceUnknown / NameHasNoOwner | NoService |
/// | any other error reply                                      | Error (name and message kept) |
/// </summary>
public sealed class DBusClient : IDisposable
{
    private readonly DBusConnection _connection;
    private readonly string _address;

    private DBusClient(DBusConnection connection, string address) { _connection = connection; _address = address; }

    public string Address => _address;

    /// <summary>The system bus: <paramref name="address"/> when given, else DBUS_SYSTEM_BUS_ADDRESS, else the standard socket.</summary>
    public static string SystemBusAddress(string? address) =>
        address ?? (Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } env ? env : "unix:path=/var/run/dbus/system_bus_socket");

    /// <summary>Connects and authenticates; null with the reason when the bus cannot be reached in time.</summary>
    public static (DBusClient? Client, string Error) Connect(string address, Deadline deadline)
    {
        var connection = new DBusConnection(address);
        try
        {
            if (Finished(connection.ConnectAsync().AsTask(), deadline)) return (new DBusClient(connection, address), "");
            connection.Dispose();
            return (null, NoAnswer);
        }
        catch (Exception e) when (IsBusFailure(e) || e is ArgumentException)
        {
            connection.Dispose();
            return (null, ErrorText.Describe(e));
        }
    }

    /// <summary>
    /// Calls <paramref name="member"/>; <paramref name="write"/> writes the arguments matching
    /// <paramref name="signature"/>, <paramref name="read"/> reads the reply body.
    /// </summary>
    public CallResult<T> Call<T>(string destination, string path, string @interface, string member, string? signature,
        WriteArguments? write, Func<Reader, T> read, Deadline deadline)
    {
        Logging.ActionTrace.Write($"D-Bus call {destination} {path} {@interface}.{member} on {_address}");
        MessageBuffer message;
        var writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination, path, @interface, member, signature, MessageFlags.None);
            write?.Invoke(ref writer);
            message = writer.CreateMessage();
        }
        finally { writer.Dispose(); }
        try
        {
            var call = _connection.CallMethodAsync(message, static (Message m, object? state) => ((Func<Reader, T>)state!)(m.GetBodyReader()), read);
            if (!Finished(call, deadline)) return new(CallOutcome.BusDown, default, null, NoAnswer);
            Logging.ActionTrace.Write($"D-Bus reply to {member}: ok");
            return new(CallOutcome.Ok, call.Result, null, "");
        }
        catch (Exception e) when (IsBusFailure(e))
        {
            Logging.ActionTrace.Write($"D-Bus reply to {member}: {e.GetType().Name}: {e.Message}");
            return e switch
            {
                DBusErrorReplyException r when r.ErrorName is "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner"
                    => new(CallOutcome.NoService, default, r.ErrorName, r.ErrorMessage),
                DBusErrorReplyException r => new(CallOutcome.Error, default, r.ErrorName, r.ErrorMessage),
                _ => new(CallOutcome.BusDown, default, null, ErrorText.Describe(e)),
            };
        }
    }

    /// <summary>
    /// Delivers every signal matching <paramref name="rule"/> to <paramref name="onSignal"/> (on a
    /// thread of the connection) until the returned watch is disposed. The match is in place on the
    /// bus when this returns, so a signal caused by a call made afterwards is never missed.
    /// </summary>
    public (IDisposable? Watch, string Error) Watch<T>(MatchRule rule, Func<Reader, T> read, Action<T> onSignal, Deadline deadline)
    {
        Logging.ActionTrace.Write($"D-Bus match {rule} on {_address}");
        try
        {
            var add = _connection.AddMatchAsync(rule, static (Message m, object? state) => ((Func<Reader, T>)state!)(m.GetBodyReader()),
                (Notification<T> n) => { if (n.HasValue) onSignal(n.Value); }, synchronizationContext: null, ObserverFlags.None, read).AsTask();
            return Finished(add, deadline) ? (add.Result, "") : (null, NoAnswer);
        }
        catch (Exception e) when (IsBusFailure(e)) { return (null, ErrorText.Describe(e)); }
    }

    private const string NoAnswer = "no answer before the deadline";

    private static bool IsBusFailure(Exception e) => e is DBusExceptionBase or IOException or System.Net.Sockets.SocketException;

    /// <summary>False when the deadline passed first; a failed task's own exception is thrown, unwrapped.</summary>
    private static bool Finished(Task task, Deadline deadline)
    {
        try { return task.Wait(deadline.RemainingMilliseconds); }
        catch (AggregateException ae) when (ae.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }

    public void Dispose() => _connection.Dispose();
}
