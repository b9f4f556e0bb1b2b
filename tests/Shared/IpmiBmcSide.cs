using OcfAgents.Ipmi;

namespace OcfAgents.TestSupport;

/// <summary>
/// The BMC's side of an IPMI message (IPMI v2.0 §13.8, table 13-4), which only test fixtures that
/// play a BMC need; the console's side, which fence_ipmi sends and reads, is IpmiMessage.
///
/// response: rqAddr | netFn&lt;&lt;2 | rqLUN | chk1 | rsAddr | rqSeq&lt;&lt;2 | rsLUN | cmd | cc | data… | chk2
/// </summary>
public static class IpmiBmcSide
{
    public static byte[] BuildResponse(byte netFn, byte cmd, byte rqSeq, byte completionCode, ReadOnlySpan<byte> data)
    {
        var m = new byte[8 + data.Length];
        m[0] = IpmiMessage.RemoteConsoleSwid;
        m[1] = (byte)((netFn | 1) << 2);
        m[2] = IpmiMessage.Checksum(m.AsSpan(0, 2));
        m[3] = IpmiMessage.BmcAddress;
        m[4] = (byte)(rqSeq << 2);
        m[5] = cmd;
        m[6] = completionCode;
        data.CopyTo(m.AsSpan(7));
        m[^1] = IpmiMessage.Checksum(m.AsSpan(3, m.Length - 4));
        return m;
    }

    /// <summary>A request's fields, after both checksums have been checked.</summary>
    public readonly record struct IncomingRequest(byte NetFn, byte RqSeq, byte Cmd, byte[] Data);

    public static IncomingRequest ParseRequest(ReadOnlySpan<byte> m)
    {
        if (m.Length < 7) throw new IpmiProtocolException($"IPMI request of {m.Length} bytes is shorter than the 7-byte minimum");
        if (IpmiMessage.Checksum(m[..2]) != m[2] || IpmiMessage.Checksum(m[3..^1]) != m[^1]) throw new IpmiProtocolException("IPMI request checksum is wrong");
        return new IncomingRequest((byte)(m[1] >> 2), (byte)(m[4] >> 2), m[5], m[6..^1].ToArray());
    }
}
