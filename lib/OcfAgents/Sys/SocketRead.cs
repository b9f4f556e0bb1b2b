using System.Net.Sockets;

namespace OcfAgents.Sys;

public static class SocketRead
{
    /// <summary>Exactly <paramref name="count"/> bytes (the socket's ReceiveTimeout applies); EndOfStreamException if the peer closes first.</summary>
    public static byte[] Exactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = socket.Receive(buffer, got, count - got, SocketFlags.None);
            if (n == 0) throw new EndOfStreamException();
            got += n;
        }
        return buffer;
    }
}
