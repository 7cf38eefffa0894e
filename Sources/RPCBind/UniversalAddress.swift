public import NIOCore
import ONCRPC

/// Universal addresses (RFC 5665 §5.2.3): how rpcbind writes a transport address as text.
///
/// For `tcp`/`udp` it is `h1.h2.h3.h4.p1.p2`, the IPv4 address followed by the port's high and
/// low bytes; for `tcp6`/`udp6` the IPv6 address in its textual form followed by `.p1.p2`; for
/// `local` the Unix socket's path.
public enum UniversalAddress {
    /// The universal address of `address`.
    public static func string(for address: SocketAddress) -> String {
        switch address {
        case .unixDomainSocket:
            return address.pathname ?? ""
        case .v4, .v6:
            let port = address.port ?? 0
            return "\(address.ipAddress ?? "").\(port >> 8).\(port & 0xFF)"
        }
    }

    /// The socket address written as `universalAddress` for `netid`.
    ///
    /// Throws `RPCError.Code.invalidReply` when the text is not a universal
    /// address of that network id.
    public static func socketAddress(_ universalAddress: String, netid: String) throws -> SocketAddress {
        func invalid(_ why: String) -> RPCError {
            RPCError(
                code: .invalidReply, message: "'\(universalAddress)' is not a universal address for \(netid): \(why)")
        }
        if netid == "local" || netid == "unix" || netid == "ticotsord" || netid == "ticlts" {
            guard !universalAddress.isEmpty else { throw invalid("the path is empty") }
            do {
                return try SocketAddress(unixDomainSocketPath: universalAddress)
            } catch {
                throw invalid("\(error)")
            }
        }
        // The last two dot-separated fields are the port; the rest is the host.
        guard let port = port(of: universalAddress) else {
            throw invalid("it does not end in two port fields from 0 to 255")
        }
        let host = universalAddress.split(separator: ".", omittingEmptySubsequences: false).dropLast(2).joined(
            separator: ".")
        let wantsIPv6 = netid.hasSuffix("6")
        guard host.contains(":") == wantsIPv6 else {
            throw invalid(wantsIPv6 ? "the host is not an IPv6 address" : "the host is not an IPv4 address")
        }
        do {
            return try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw invalid("\(error)")
        }
    }

    /// Whether `universalAddress` names the wildcard host (`0.0.0.0` or `::`), which rpcbind
    /// clients replace with the host they asked.
    public static func isWildcard(_ universalAddress: String) -> Bool {
        universalAddress.hasPrefix("0.0.0.0.") || universalAddress.hasPrefix("::.")
    }

    /// The port of a `tcp`/`udp`/`tcp6`/`udp6` universal address, if it has one.
    public static func port(of universalAddress: String) -> Int? {
        let fields = universalAddress.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count >= 3, let high = Int(fields[fields.count - 2]), let low = Int(fields[fields.count - 1]),
            (0...255).contains(high), (0...255).contains(low)
        else { return nil }
        return high << 8 | low
    }
}
