using OcfAgents.Agents.Tests.Support;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// What a real Linux NFS client (Debian 12's kernel 6.1, in a QEMU guest) sees when the service
/// node behind its /install goes away: SN1 at 10.0.0.11, SN2 at 10.0.0.12, the floating service
/// address 10.0.0.10, the client reading one file in a loop with O_DIRECT (every read reaches the
/// server) over a hard NFSv4.2 mount, and holding one descriptor open throughout.
/// </summary>
[Collection("cluster")]
public sealed class Nfs4ReplicaNfsClientTests(NfsGuest guest) : IClassFixture<NfsGuest>
{
    /// <summary>Generous for QEMU without KVM, where every step is several times slower than on hardware; bench/RESULTS.md has the numbers measured.</summary>
    private const double ResumeBound = 20;

    /// <summary>
    /// After the address moves, the client reads again at its next TCP retransmission, which SN2
    /// answers with a reset (seen in a capture). TCP doubles the wait between retransmissions,
    /// so the longer the address was gone the longer this can take: usually 1–3 s here, once 25 s.
    /// </summary>
    private const double TakeoverBound = 60;

    /// <summary>
    /// `crm_resource --move` of an export with allow-migrate: migrate_to on SN1, migrate_from on
    /// SN2, stop on SN1. The client mounted SN1's own address; SN1 refers it to SN2 and it
    /// re-homes without one failed read. Then SN1 leaves the network, and the client reads on:
    /// it is on SN2.
    /// </summary>
    [NfsGuestFact]
    public void A_migration_re_homes_a_reading_NFSv4_2_client_to_the_partner_with_no_failed_read()
    {
        var s = guest["handover"];
        Assert.True(!s.Failed("path").Any() && !s.Failed("fd").Any(), $"failed reads: {string.Join(", ", s.Failed("path").Concat(s.Failed("fd")))}\n{s}");
        Assert.Contains("/install refers clients to /install@10.0.0.12", s.AgentLog);
        Assert.Contains("client 10.0.0.50:", s.AgentLog);
        Assert.Contains("monitor on SN1 says 7", s.Events.Select(e => e.Step));
        Assert.Contains("monitor on SN2 says 0", s.Events.Select(e => e.Step));
        var gone = s.At("SN1 off the network");
        Assert.True(s.After(gone + 1, "path").Count(r => r.Ok) >= 10, $"the client did not read on after SN1 left the network:\n{s}");
        Assert.True(s.After(gone, "fd").Any(r => r.Ok), $"the descriptor held open did not read on from SN2:\n{s}");
        Assert.True(s.LongestStall(s.At("stop on SN1")) < ResumeBound, $"stall {s.LongestStall(s.At("stop on SN1")):F1} s\n{s}");
    }

    /// <summary>
    /// SN1 crashes; the floating address is started on SN2, where nfsd and the export already run
    /// on the same file system (identical file handles). Reads stall, none fails, and they come
    /// back from SN2 within the bound — the held descriptor too.
    /// </summary>
    [NfsGuestFact]
    public void After_a_crash_the_floating_address_on_the_partner_brings_reads_back_with_none_failed()
    {
        var s = guest["takeover-shared"];
        var back = NoneFailedAndBackAfterTheAddressMoved(s);
        Assert.True(s.After(back, "fd").Any(r => r.Ok), $"the descriptor held open did not read again:\n{s}");
    }

    /// <summary>No read failed, by name or through the held descriptor, and reads by name came back within the bound after the address was up on SN2; when they did.</summary>
    private static double NoneFailedAndBackAfterTheAddressMoved(NfsScenario s)
    {
        Assert.True(!s.Failed("path").Any() && !s.Failed("fd").Any(), $"failed reads: {string.Join(", ", s.Failed("path").Concat(s.Failed("fd")))}\n{s}");
        var moved = s.At("address on SN2");
        var back = s.After(moved, "path").First(r => r.Ok).Time;
        Assert.True(back - moved < TakeoverBound, $"reads came back {back - moved:F1} s after the address moved\n{s}");
        return back;
    }

    /// <summary>
    /// A planned move of the floating address (`crm_resource --move` of the IPaddr2 resource):
    /// SN1 stays up, the address goes from it to SN2. No read fails; they come back from SN2
    /// within the bound.
    /// </summary>
    [NfsGuestFact]
    public void A_planned_move_of_the_floating_address_fails_no_read() => NoneFailedAndBackAfterTheAddressMoved(guest["move-shared"]);

    /// <summary>
    /// The same crash with two copies of the tree (as rsync makes them): file handles differ, so
    /// reads by name come back (at most one in-flight read fails, ESTALE or EIO) but the
    /// descriptor held across the move is dead for good — why /install must be one file system
    /// image (shared storage, DRBD) behind both service nodes.
    /// </summary>
    [NfsGuestFact]
    public void With_copied_trees_reads_by_name_come_back_but_a_descriptor_held_across_the_crash_is_dead()
    {
        var s = guest["takeover-copies"];
        var moved = s.At("address on SN2");
        var failedByName = s.Failed("path").ToList();
        Assert.True(failedByName.Count <= 1 && failedByName.All(r => r.Result is "ESTALE" or "EIO"), $"reads by name: {string.Join(", ", failedByName)}\n{s}");
        var back = s.After(moved, "path").First(r => r.Ok).Time;
        Assert.True(back - moved < TakeoverBound, $"reads came back {back - moved:F1} s after the address moved\n{s}");
        var held = s.After(back, "fd").ToList();
        Assert.NotEmpty(held);
        Assert.True(held.All(r => r.Result is "ESTALE" or "EIO" or "EBADF"), $"the held descriptor: {string.Join(", ", held.Take(5))}\n{s}");
    }
}
