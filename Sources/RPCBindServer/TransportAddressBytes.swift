import NIOCore
public import RPCBind

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Universal addresses to and from the host form of a socket address (`struct sockaddr_in`
/// or `sockaddr_in6` as Linux lays them out), for UADDR2TADDR and TADDR2UADDR.
public enum TransportAddressBytes {
    static let familyIPv4: UInt16 = 2
    static let familyIPv6: UInt16 = 10

    /// The `netbuf` of `universalAddress`, empty when it is not a `tcp`/`udp`/`tcp6`/`udp6`
    /// universal address.
    public static func transportAddress(_ universalAddress: String) -> RPCBindTransportAddress {
        let netid = universalAddress.contains(":") ? "udp6" : "udp"
        guard let address = try? UniversalAddress.socketAddress(universalAddress, netid: netid),
            let port = address.port
        else { return RPCBindTransportAddress(maxlen: 0, buf: ByteBuffer()) }
        var bytes = ByteBuffer()
        var packed = [UInt8](repeating: 0, count: 16)
        switch address {
        case .v4:
            guard inet_pton(AF_INET, address.ipAddress ?? "", &packed) == 1 else { break }
            bytes.writeInteger(familyIPv4, endianness: .little)
            bytes.writeInteger(UInt16(port), endianness: .big)
            bytes.writeBytes(packed[..<4])
            bytes.writeRepeatingByte(0, count: 8)
        case .v6:
            guard inet_pton(AF_INET6, address.ipAddress ?? "", &packed) == 1 else { break }
            bytes.writeInteger(familyIPv6, endianness: .little)
            bytes.writeInteger(UInt16(port), endianness: .big)
            bytes.writeInteger(UInt32(0))  // flow information
            bytes.writeBytes(packed)
            bytes.writeInteger(UInt32(0))  // scope
        case .unixDomainSocket:
            break
        }
        return RPCBindTransportAddress(maxlen: UInt32(bytes.readableBytes), buf: bytes)
    }

    /// The universal address of a `netbuf`, `""` when it is not an IPv4 or IPv6 socket address.
    public static func universalAddress(_ transportAddress: RPCBindTransportAddress) -> String {
        var bytes = transportAddress.buf
        guard let family = bytes.readInteger(endianness: .little, as: UInt16.self),
            let port = bytes.readInteger(endianness: .big, as: UInt16.self)
        else { return "" }
        if family == familyIPv4, let address = bytes.readBytes(length: 4) {
            return "\(address.map(String.init).joined(separator: ".")).\(port >> 8).\(port & 0xFF)"
        }
        if family == familyIPv6, bytes.readInteger(as: UInt32.self) != nil, let address = bytes.readBytes(length: 16),
            let socket = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: address), port: Int(port))
        {
            return UniversalAddress.string(for: socket)
        }
        return ""
    }
}
