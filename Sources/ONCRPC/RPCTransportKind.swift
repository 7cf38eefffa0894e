/// The kind of transport a call travels on: the one transport type of the package.
///
/// A client says which kind to use (`RStat.V3.withClient(host: "server1", over: .udp)`), an
/// rpcbind lookup asks for the kind's netid, and a server tells its handlers which kind a call
/// came in on (``RPCPeer/transport``).
public enum RPCTransportKind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// TCP over IPv4 or IPv6, with record marking (netids `tcp` and `tcp6`).
    case tcp
    /// UDP over IPv4 or IPv6, one message per datagram (netids `udp` and `udp6`).
    case udp
    /// A Unix-domain stream socket, with record marking (netid `local`).
    case local
    /// The in-process transport of the tests and of embedded servers; it has no netid.
    case inProcess

    /// The rpcbind netid of this kind for a host of the IPv4 or IPv6 family, `nil` for
    /// ``inProcess``.
    public func netid(ipv6: Bool) -> String? {
        switch self {
        case .tcp: ipv6 ? "tcp6" : "tcp"
        case .udp: ipv6 ? "udp6" : "udp"
        case .local: "local"
        case .inProcess: nil
        }
    }

    /// The kind's name as rpcinfo prints a netid's protocol: `tcp`, `udp`, `local`, `inProcess`.
    public var description: String { rawValue }
}
