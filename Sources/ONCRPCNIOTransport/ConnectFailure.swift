import NIOCore
import NIOPosix
import ONCRPC

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension SocketAddress {
    /// The address as a user writes it: `127.0.0.1:111`, `[::1]:111`, or a socket path.
    var userDescription: String {
        switch self {
        case .v4: "\(ipAddress ?? "?"):\(port ?? 0)"
        case .v6: "[\(ipAddress ?? "?")]:\(port ?? 0)"
        case .unixDomainSocket: pathname ?? "a Unix-domain socket"
        }
    }
}

/// Why a connection could not be made, in a few words ("connection refused", "no answer within
/// 10 seconds"), from the error NIO gave.
func connectFailureReason(_ error: any Error, timeout: Duration) -> String {
    switch error {
    case let error as IOError:
        return String(cString: strerror(error.errnoCode)).lowercased()
    case let error as NIOConnectionError:
        let reasons = error.connectionErrors.map { connectFailureReason($0.error, timeout: timeout) }
        return reasons.first ?? (error.dnsAAAAError ?? error.dnsAError).map { "cannot resolve the host: \($0)" }
            ?? "\(error)"
    case ChannelError.connectTimeout:
        return "no answer within \(timeout)"
    default:
        return "\(error)"
    }
}

/// The error of a connection that could not be made to `address` over `kind`.
func connectFailure(_ error: any Error, to address: SocketAddress, over kind: RPCTransportKind, timeout: Duration)
    -> any Error
{
    if error is RPCError || error is CancellationError { return error }
    return RPCError(
        code: .unreachable,
        message: "cannot connect to \(address.userDescription) over \(kind): \(connectFailureReason(error, timeout: timeout))",
        cause: error)
}
