using OcfAgents.TestSupport;
using OcfAgents.Ipmi;

namespace OcfAgents.Tests;

/// <summary>
/// The IPMI parsers take whatever arrives on UDP port 623. Random and mutated datagrams must end
/// in <see cref="IpmiProtocolException"/> (which the session turns into "no valid reply") or a
/// clean parse, never another exception and never a hang.
/// </summary>
public class IpmiWireFuzzTests
{
    private static readonly SessionKeys Keys = new(CipherSuite.Suite3, CipherSuite.Key20("secret"u8), new byte[16], new byte[16], 0x14, "admin"u8);

    private static byte[][] Seeds()
    {
        var msg = IpmiBmcSide.BuildResponse(IpmiCommand.NetFnChassis, IpmiCommand.GetChassisStatus, 5, 0, [0x01, 0x00, 0x00, 0x00]);
        return
        [
            Rmcp.V15(AuthType.None, 0, 0, [], msg),
            Rmcp.V15(AuthType.Md5, 7, 0x1234, new byte[16], msg),
            Rmcp.V20(PayloadType.Ipmi, true, 9, 3, Keys.Encrypt(msg), b => Keys.AuthCode(b)),
            Rmcp.V20(PayloadType.Rakp2, false, 0, 0, new byte[60], null),
            OpenSessionResponse(CipherSuite.Suite17),
            new byte[40 + 32],
            new byte[8 + 12],
        ];
    }

    private static void ParseAll(byte[] packet)
    {
        void Try(Action a)
        {
            try { a(); }
            catch (IpmiProtocolException) { }
        }
        Try(() => Rmcp.ParseV15(packet));
        Try(() => Rmcp.ParseV20(packet, 12));
        Try(() => Rmcp.ParseV20(packet, 16));
        Try(() => IpmiMessage.ParseResponse(packet));
        Try(() => IpmiBmcSide.ParseRequest(packet));
        Try(() => Keys.Decrypt(packet));
        Try(() => CipherSuiteRecords.Ids(packet));
        Try(() => RmcpPlusMessages.OpenSessionResponse.Parse(packet));
        foreach (var suite in (CipherSuite[])[CipherSuite.Suite3, CipherSuite.Suite17])
        {
            Try(() => RmcpPlusMessages.Rakp2.Parse(packet, suite));
            Try(() => RmcpPlusMessages.Rakp4.Parse(packet, suite));
        }
        Try(() =>
        {
            var v20 = Rmcp.ParseV20(packet, 12);
            if (v20.Encrypted) IpmiMessage.ParseResponse(Keys.Decrypt(v20.Payload));
        });
    }

    /// <summary>What a BMC answers to Open Session Request for the suite: the request's layout with the BMC's fields filled in.</summary>
    private static byte[] OpenSessionResponse(CipherSuite suite)
    {
        var request = RmcpPlusMessages.OpenSessionRequest(0x42, 0xA1B2C3D4, suite);
        byte[] response = [request[0], 0x00, 0x04, 0x00, .. request.AsSpan(4, 4), 0x11, 0x22, 0x33, 0x44, .. request.AsSpan(8, 24)];
        return response;
    }

    [Fact]
    public void An_open_session_response_for_the_suite_asked_for_parses_to_its_session_ids_and_matches_the_suite()
    {
        var r = RmcpPlusMessages.OpenSessionResponse.Parse(OpenSessionResponse(CipherSuite.Suite17));
        Assert.Equal((0x42, 0xA1B2C3D4u, 0x44332211u), (r.Tag, r.ConsoleSessionId, r.BmcSessionId));
        Assert.True(r.Matches(CipherSuite.Suite17));
        Assert.False(r.Matches(CipherSuite.Suite3));
    }

    [Fact]
    public void A_rakp_1_carries_the_name_length_and_name_where_the_spec_puts_them()
    {
        var m = RmcpPlusMessages.Rakp1(7, 0x01020304, new byte[16], 0x14, "admin"u8);
        Assert.Equal(28 + 5, m.Length);
        Assert.Equal((byte)0x14, m[24]);
        Assert.Equal((byte)5, m[27]);
        Assert.Equal("admin"u8.ToArray(), m[28..]);
        Assert.Equal(new byte[] { 4, 3, 2, 1 }, m[4..8]);
    }

    [Fact]
    public void Random_datagrams_only_ever_raise_protocol_errors()
    {
        var rng = new Random(20261122);
        for (var i = 0; i < 20000; i++)
        {
            var packet = new byte[rng.Next(0, 200)];
            rng.NextBytes(packet);
            if (packet.Length > 4 && rng.Next(2) == 0) { packet[0] = 0x06; packet[3] = 0x07; packet[4] = (byte)(rng.Next(2) == 0 ? 0x06 : 0x02); }
            ParseAll(packet);
        }
    }

    [Fact]
    public void Mutated_and_truncated_valid_packets_only_ever_raise_protocol_errors()
    {
        var rng = new Random(623);
        foreach (var seed in Seeds())
        {
            for (var cut = 0; cut <= seed.Length; cut++) ParseAll(seed[..cut]);
            for (var i = 0; i < 5000; i++)
            {
                var p = (byte[])seed.Clone();
                for (var flips = rng.Next(1, 4); flips > 0; flips--) p[rng.Next(p.Length)] = (byte)rng.Next(256);
                ParseAll(p);
            }
        }
    }

    [Fact]
    public void A_valid_session_packet_round_trips_and_a_flipped_bit_fails_the_integrity_check()
    {
        var msg = IpmiBmcSide.BuildResponse(IpmiCommand.NetFnChassis, IpmiCommand.GetChassisStatus, 5, 0, [0x01, 0x00, 0x00, 0x00]);
        var packet = Rmcp.V20(PayloadType.Ipmi, true, 9, 3, Keys.Encrypt(msg), b => Keys.AuthCode(b));
        var parsed = Rmcp.ParseV20(packet, 12);
        Assert.Equal(Keys.AuthCode(packet.AsSpan(4, parsed.IntegrityEnd - 4)), parsed.AuthCode);
        var r = IpmiMessage.ParseResponse(Keys.Decrypt(parsed.Payload));
        Assert.Equal(0x01, r.Data[0]);
        Assert.Equal(0, (parsed.IntegrityEnd - 4) % 4); // auth type through next header: a 4-byte multiple (§13.28.4)

        packet[20] ^= 0x01;
        var tampered = Rmcp.ParseV20(packet, 12);
        Assert.NotEqual(Keys.AuthCode(packet.AsSpan(4, tampered.IntegrityEnd - 4)), tampered.AuthCode);
    }
}
