using System.Globalization;
using System.Text;
using OcfAgents.Logging;
using OcfAgents.Ocf;
using OcfAgents.DBus;
using OcfAgents.Sys;
using Tmds.DBus.Protocol;

namespace OcfAgents.Agents.Nfs4Replica;

/// <summary>
/// NFS-Ganesha through its export manager on the D-Bus system bus (bus name org.ganesha.nfsd,
/// object /org/ganesha/nfsd/ExportMgr, interface org.ganesha.nfsd.exportmgr), spoken over the
/// bus itself (<see cref="DBusClient"/>: no child process; the bus from dbus_address or
/// DBUS_SYSTEM_BUS_ADDRESS):
///   AddExport(s conf_path, s "EXPORT(Export_Id=N)") → s message
///   RemoveExport(q id)
///   DisplayExport(q id) → (q id, s fullpath, s pseudopath, s tag, a(siyyiuuuuu) clients)
///     a client: (s name, i type, y cidr version, y cidr mask flag, i cidr proto,
///                u anonymous uid, u anonymous gid, u expire time, u options, u options set)
///     options, as Ganesha 4.3 answers for the blocks we write (measured, one CLIENT per setting):
///       access  0x1e0 (read 0x020, write 0x040, metadata 0x080 and 0x100): RW 0x1e0, RO 0x0a0
///       squash  0x007: no_root_squash 0, root_squash 2, all_squash 4
///     A name Ganesha could not resolve is listed as "<unknown>" (AddExport still succeeds).
/// The export block is generated from the parameters into state_dir (Path resolved to the real
/// directory: Ganesha refuses a symlinked Path). Ganesha keeps the exported filesystem busy until
/// RemoveExport, so stop must run before the shared filesystem is unmounted.
///
/// | D-Bus / Ganesha state                  | monitor | start/stop                         |
/// |----------------------------------------|---------|------------------------------------|
/// | bus unreachable                        | 1       | 1, names the bus address           |
/// | org.ganesha.nfsd not on the bus        | 7       | start 1 "Ganesha is not running"; stop 0 (nothing exported) |
/// | export id unknown                      | 7       | start adds it                      |
/// | export id with another path            | 7       | start refuses: the id is taken; stop leaves it |
/// | our path, other access or squash, or a client Ganesha could not resolve | 1 | start fails naming it; stop removes it |
/// </summary>
public sealed class GaneshaExport(Nfs4ReplicaConfig config, Log log, string instance) : IExport
{
    private const string Bus = "org.ganesha.nfsd", ObjectPath = "/org/ganesha/nfsd/ExportMgr", Interface = "org.ganesha.nfsd.exportmgr";

    private string BlockFile => Path.Combine(config.StateDir, $"{instance}.ganesha.conf");

    private enum Reply { Ok, NoGanesha, NoExport, BusDown, Other }

    private DBusClient? _client;

    private (Reply Kind, T? Value, string Text) Call<T>(string method, string? signature, WriteArguments? args, Func<Reader, T> read, Deadline deadline)
    {
        if (_client is null)
        {
            var (client, error) = DBusClient.Connect(BusName, deadline);
            if (client is null) return (Reply.BusDown, default, error);
            _client = client;
        }
        var r = _client.Call(Bus, ObjectPath, Interface, method, signature, args, read, deadline);
        return r.Outcome switch
        {
            CallOutcome.Ok => (Reply.Ok, r.Value, ""),
            CallOutcome.NoService => (Reply.NoGanesha, default, r.Text),
            CallOutcome.BusDown => (Reply.BusDown, default, r.Text),
            // Ganesha answers an unknown id with an error whose message says so.
            _ when r.Text.Contains("Export id not found", StringComparison.Ordinal) => (Reply.NoExport, default, r.Text),
            _ => (Reply.Other, default, $"{r.ErrorName}: {r.Text}"),
        };
    }

    private string BusName => DBusClient.SystemBusAddress(config.DbusAddress);

    /// <summary>One entry of an export's client list: who, and the access and squash bits Ganesha applies.</summary>
    private readonly record struct Client(string Name, uint Options)
    {
        public string Access => (Options & AccessMask) switch { ReadWrite => "RW", ReadOnly => "RO", 0 => "no access", var a => $"access bits 0x{a:x}" };
        public string Squash => (Options & SquashMask) switch { 0 => "no_root_squash", 2 => "root_squash", 4 => "all_squash", var q => $"squash bits 0x{q:x}" };
    }

    private const uint AccessMask = 0x1e0, ReadWrite = 0x1e0, ReadOnly = 0x0a0, SquashMask = 0x007;

    private readonly record struct Shown(string Path, IReadOnlyList<Client> Clients);

    private (Reply Kind, Shown? Export, string Text) Show(Deadline deadline)
    {
        var (kind, shown, text) = Call("DisplayExport", "q", (ref MessageWriter w) => w.WriteUInt16((ushort)config.ExportId), static r =>
        {
            r.ReadUInt16();
            var path = r.ReadString();
            r.ReadString();
            r.ReadString();
            var clients = new List<Client>();
            var end = r.ReadArrayStart(DBusType.Struct);
            while (r.HasNext(end))
            {
                r.AlignStruct();
                var name = r.ReadString();
                r.ReadInt32();
                r.ReadByte();
                r.ReadByte();
                r.ReadInt32();
                r.ReadUInt32();
                r.ReadUInt32();
                r.ReadUInt32();
                var options = r.ReadUInt32();
                r.ReadUInt32();
                clients.Add(new Client(name, options));
            }
            return (Shown?)new Shown(path, clients);
        }, deadline);
        return (kind, shown, text);
    }

    private string WantedAccess => config.Options.Contains("rw") ? "RW" : "RO";

    private string WantedSquash =>
        config.Options.Contains("no_root_squash") ? "no_root_squash" : config.Options.Contains("all_squash") ? "all_squash" : "root_squash";

    /// <summary>Null when every client entry gives what the parameters say; else what differs.</summary>
    private string? Differs(IReadOnlyList<Client> clients)
    {
        if (clients.Any(c => c.Name == "<unknown>"))
            return $"Ganesha cannot resolve a name in clientspec '{config.ClientSpec}' (listed as <unknown>, no access); use names this node resolves";
        if (clients.Count == 0) return $"Ganesha export {config.ExportId} has no client entry, so no client may mount it (changed by UpdateExport or by hand)";
        var wrong = clients.FirstOrDefault(c => c.Access != WantedAccess || c.Squash != WantedSquash);
        return wrong.Name is null ? null
            : $"Ganesha export {config.ExportId}: {wrong.Name} gets {wrong.Access}, {wrong.Squash}, not {WantedAccess}, {WantedSquash} (changed by UpdateExport or by hand)";
    }

    public OcfResult Monitor(Deadline deadline)
    {
        var (kind, shown, text) = Show(deadline);
        switch (kind)
        {
            case Reply.NoGanesha or Reply.NoExport: return OcfResult.NotRunning;
            case Reply.BusDown: return OcfResult.Fail(OcfExit.Generic, $"D-Bus unreachable at {BusName}: {text}");
            case Reply.Other: return OcfResult.Fail(OcfExit.Generic, $"Ganesha's export manager: {text}");
        }
        var (path, clients) = shown!.Value;
        if (PathText.Real(config.Directory) is not { } real)
            return OcfResult.Fail(OcfExit.Generic, $"{config.Directory} has gone while Ganesha still exports {path}; stop will remove the export");
        if (path != real)
        {
            // Someone else's export under our id: ours is not running (and stop must not fail on it).
            log.Debug($"Ganesha export {config.ExportId} exports {path}, not {real}");
            return OcfResult.NotRunning;
        }
        // Pacemaker's recovery (stop, start) puts the configured export back.
        return Differs(clients) is { } why ? OcfResult.Fail(OcfExit.Generic, why) : OcfResult.Success;
    }

    public OcfResult Preflight()
    {
        if (!Directory.Exists(config.Directory))
            return OcfResult.Fail(OcfExit.NotInstalled, $"directory {config.Directory} does not exist on this node (5: Pacemaker keeps the export off this node only; is the storage mounted?)");
        if (config.ExportId == 0) return OcfResult.Fail(OcfExit.NotConfigured, "backend=ganesha needs export_id (1-65535), unique among Ganesha's exports");
        return OcfResult.Success;
    }

    /// <summary>
    /// The export block. Access and squash are the CLIENT block's, always written (with Clients = *
    /// too): the export level gives no access, so a client outside client_spec gets none (an
    /// export-level Access_Type would apply to every client no CLIENT block names), and Ganesha's
    /// DisplayExport answers a CLIENT block's access and squash, which monitor reads back.
    /// </summary>
    private string Block(string real) =>
        "EXPORT {\n" +
        $"  Export_Id = {config.ExportId.ToString(CultureInfo.InvariantCulture)};\n" +
        $"  Path = \"{real}\";\n" +
        $"  Pseudo = \"{config.Pseudo ?? real}\";\n" +
        "  Access_Type = None;\n" +
        "  Protocols = 4;\n" +
        "  Transports = TCP;\n" +
        "  SecType = sys;\n" +
        $"  CLIENT {{ Clients = {config.ClientSpec}; Access_Type = {WantedAccess}; Squash = {WantedSquash}; }}\n" +
        "  FSAL { Name = VFS; }\n" +
        "}\n";

    public OcfResult Export(Deadline deadline)
    {
        var real = PathText.Real(config.Directory)!;
        if (Show(deadline) is { Kind: Reply.Ok, Export: { Path: var taken } } && taken != real)
            return OcfResult.Fail(OcfExit.Generic, $"Ganesha export {config.ExportId} exports {taken}, not {real}: the Export_Id is taken; choose another export_id");
        StateDirectory.WriteRecord(BlockFile, Block(real));
        CrashPoint.Here("wrote the export block");
        var (kind, message, text) = Call("AddExport", "ss", (ref MessageWriter w) =>
        {
            w.WriteString(BlockFile);
            w.WriteString($"EXPORT(Export_Id={config.ExportId.ToString(CultureInfo.InvariantCulture)})");
        }, static r => r.ReadString(), deadline);
        return kind switch
        {
            Reply.Ok => Verified(message ?? "", deadline),
            Reply.NoGanesha => OcfResult.Fail(OcfExit.Generic, $"NFS-Ganesha is not running (no {Bus} on {BusName}); start it first (order nfs-ganesha before this export)"),
            Reply.BusDown => OcfResult.Fail(OcfExit.Generic, $"D-Bus unreachable at {BusName}: {text}"),
            _ => OcfResult.Fail(OcfExit.Generic, $"Ganesha refused the export of {real}: {text}"),
        };
    }

    private OcfResult Verified(string message, Deadline deadline)
    {
        CrashPoint.Here("added the export");
        var check = Monitor(deadline);
        if (!check.IsSuccess)
            return OcfResult.Fail(OcfExit.Generic, $"{check.Reason ?? "the export is not there"} (Ganesha's answer to AddExport: '{message.ReplaceLineEndings(" ").Trim()}')");
        log.Info($"Ganesha exports {PathText.Real(config.Directory)} as export {config.ExportId} ({config.Pseudo ?? "pseudo = path"})");
        return OcfResult.Success;
    }

    public OcfResult Unexport(Deadline deadline)
    {
        var (kind, shown, text) = Show(deadline);
        var path = shown?.Path;
        if (kind == Reply.BusDown) return OcfResult.Fail(OcfExit.Generic, $"D-Bus unreachable at {BusName}: {text}");
        if (kind == Reply.Other) return OcfResult.Fail(OcfExit.Generic, $"Ganesha's export manager: {text}");
        if (kind == Reply.Ok)
        {
            if (PathText.Real(config.Directory) is { } real && path != real)
                log.Warn($"Ganesha export {config.ExportId} exports {path}, not ours ({real}); left alone");
            else
            {
                var (removed, _, why) = Call("RemoveExport", "q", (ref MessageWriter w) => w.WriteUInt16((ushort)config.ExportId), static _ => true, deadline);
                CrashPoint.Here("removed the export");
                if (removed != Reply.Ok && removed != Reply.NoExport)
                    return OcfResult.Fail(OcfExit.Generic, $"Ganesha did not remove export {config.ExportId}: {why}");
                log.Info($"Ganesha no longer exports {path} (export {config.ExportId})");
            }
        }
        StateDirectory.ForgetRecord(BlockFile);
        return OcfResult.Success;
    }
}
