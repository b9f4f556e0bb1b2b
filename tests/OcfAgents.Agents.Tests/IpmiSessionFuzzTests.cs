using System.Diagnostics;
using OcfAgents.Agents.Tests.Support;
using OcfAgents.Fencing;
using OcfAgents.Ipmi;
using OcfAgents.Logging;
using OcfAgents.Sys;

namespace OcfAgents.Agents.Tests;

/// <summary>
/// The IPMI session exchange (Open Session, RAKP 1–4, Set Session Privilege, Get Chassis Status)
/// against a BMC whose every reply may be mutated on the way: bytes flipped, cut short, grown.
/// Seeded, so a failing run can be replayed. Each exchange must end within its deadline either
/// with the true power state or with the fence error the agent turns into its ERROR line — never
/// another exception, never a state the BMC did not send (the integrity check must catch every
/// mutation of an authenticated reply).
/// </summary>
public sealed class IpmiSessionFuzzTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(600);

    [Theory]
    [InlineData(3, 20261202)]
    [InlineData(17, 17)]
    public void Mutated_BMC_replies_end_in_the_true_state_or_a_fence_error_within_the_deadline(int suite, int seed)
    {
        using var bmc = new FakeBmc();
        var rng = new Random(seed);
        var rate = 0.0;
        bmc.Mangle = reply =>
        {
            lock (rng)
            {
                if (rng.NextDouble() >= rate) return reply;
                var p = (byte[])reply.Clone();
                switch (rng.Next(4))
                {
                    case 0:
                        for (var flips = rng.Next(1, 4); flips > 0; flips--) p[rng.Next(p.Length)] ^= (byte)(1 << rng.Next(8));
                        return p;
                    case 1: return p[..rng.Next(p.Length)];
                    case 2:
                        var more = new byte[rng.Next(1, 64)];
                        rng.NextBytes(more);
                        return [.. p, .. more];
                    default:
                        p[rng.Next(p.Length)] = (byte)rng.Next(256);
                        return p;
                }
            }
        };
        var answered = 0;
        var failed = 0;
        for (var round = 0; round < 80; round++)
        {
            // Every fifth round clean: the exchange itself must still work between the mutated ones.
            lock (rng) rate = round % 5 == 0 ? 0.0 : 0.35;
            bmc.PowerOn = round % 2 == 0;
            var target = new IpmiTarget
            {
                Host = "127.0.0.1", Port = bmc.Port, User = FakeBmc.User, Password = "secret"u8.ToArray(),
                Interface = IpmiInterface.LanPlus, Privilege = IpmiPrivilege.Administrator,
                Cipher = suite, PacketTimeout = TimeSpan.FromMilliseconds(60), Attempts = 3,
            };
            var clock = Stopwatch.StartNew();
            try
            {
                using var session = IpmiSession.Open(target, Deadline.After(Budget), Log.Silent);
                Assert.Equal(bmc.PowerOn, session.IsPowerOn());
                answered++;
            }
            catch (FenceDeviceException e)
            {
                Assert.True(round % 5 != 0, $"clean round {round} failed: {e.Message}");
                failed++;
            }
            catch (Exception e) { Assert.Fail($"round {round}: {e.GetType().Name}: {e.Message}"); }
            Assert.True(clock.Elapsed < Budget + TimeSpan.FromMilliseconds(400), $"round {round} took {clock.Elapsed}");
        }
        Assert.True(failed > 0, "no mutation ever made an exchange fail: the fuzzer mutated nothing");
        Assert.True(answered >= 16, $"only {answered} exchanges answered");
    }
}
