import NIOCore
import ONCRPC
import RPCBind
import RPCBindServer
import Testing

@Suite("Universal addresses (RFC 5665)")
struct UniversalAddressTests {
    @Test func ipv4() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 2049)
        #expect(UniversalAddress.string(for: address) == "127.0.0.1.8.1")
        #expect(try UniversalAddress.socketAddress("127.0.0.1.8.1", netid: "tcp") == address)
        #expect(try UniversalAddress.socketAddress("0.0.0.0.0.111", netid: "udp").port == 111)
        #expect(UniversalAddress.port(of: "10.1.2.3.255.255") == 65535)
        #expect(UniversalAddress.isWildcard("0.0.0.0.3.1"))
    }

    @Test func ipv6() throws {
        let address = try SocketAddress(ipAddress: "::1", port: 111)
        #expect(UniversalAddress.string(for: address) == "::1.0.111")
        #expect(try UniversalAddress.socketAddress("::1.0.111", netid: "tcp6") == address)
        #expect(try UniversalAddress.socketAddress("fe80::1:2.1.0", netid: "udp6").port == 256)
        #expect(UniversalAddress.isWildcard("::.0.111"))
    }

    @Test func local() throws {
        let address = try UniversalAddress.socketAddress("/run/rpcbind.sock", netid: "local")
        #expect(address.pathname == "/run/rpcbind.sock")
        #expect(UniversalAddress.string(for: address) == "/run/rpcbind.sock")
    }

    @Test func malformedAddressesAreErrors() {
        for (text, netid) in [
            ("127.0.0.1", "tcp"), ("127.0.0.1.1", "tcp"), ("127.0.0.1.256.0", "tcp"), ("127.0.0.1.a.b", "udp"),
            ("::1.0.111", "tcp"), ("127.0.0.1.0.111", "tcp6"), ("", "local"), ("not.an.address.at.all.x", "udp"),
        ] {
            #expect(throws: RPCError.self, "\(text) for \(netid)") {
                try UniversalAddress.socketAddress(text, netid: netid)
            }
        }
        #expect(UniversalAddress.port(of: "1.2") == nil)
    }

    @Test func transportAddressBytesMatchLinuxSockaddr() throws {
        let v4 = TransportAddressBytes.transportAddress("127.0.0.1.3.232")
        #expect(v4.maxlen == 16)
        #expect(Array(v4.buf.readableBytesView) == [2, 0, 3, 232, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(TransportAddressBytes.universalAddress(v4) == "127.0.0.1.3.232")
        let v6 = TransportAddressBytes.transportAddress("::1.0.111")
        #expect(v6.maxlen == 28)
        #expect(TransportAddressBytes.universalAddress(v6) == "::1.0.111")
        #expect(TransportAddressBytes.transportAddress("garbage").buf.readableBytes == 0)
        #expect(
            TransportAddressBytes.universalAddress(RPCBindTransportAddress(maxlen: 1, buf: ByteBuffer(bytes: [9])))
                == "")
    }
}
