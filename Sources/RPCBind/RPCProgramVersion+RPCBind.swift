public import NIOCore
public import ONCRPC
import ONCRPCNIOTransport

extension RPCProgramVersion {
    /// Runs `body` with a client of this program version on `host`, over TCP or UDP: at `port`
    /// when one is given, else wherever the host's rpcbind says (looked up again on each new
    /// connection). Over `RPCTransportKind.local` the local rpcbind is asked (through
    /// its Unix-domain socket) for the service's socket path, and `host` is not used. The
    /// transport shuts down when `body` returns.
    ///
    /// ```swift
    /// let stats = try await RStat.V3.withClient(host: "server1", over: .udp) { rstat in
    ///     try await rstat.stats()
    /// }
    /// ```
    public static func withClient<Result: Sendable>(
        host: String,
        over serviceProtocol: RPCTransportKind = .tcp,
        port: Int? = nil,
        rpcbindPort: Int = RPCBindClient.port,
        defaultOptions: RPCCallOptions = .default,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        let server: RPCServerAddress =
            port.map { .host(host, port: $0) }
            ?? .rpcbind(host: host, program: program, version: version, over: serviceProtocol, rpcbindPort: rpcbindPort)
        return try await withClient(
            server: server, over: serviceProtocol, defaultOptions: defaultOptions, isolation: isolation, body)
    }

    /// Runs `body` with a client of this program version at `address`: over TCP or UDP for an
    /// IP address, or a Unix-domain socket address with `RPCTransportKind.local`.
    public static func withClient<Result: Sendable>(
        address: SocketAddress,
        over serviceProtocol: RPCTransportKind = .tcp,
        defaultOptions: RPCCallOptions = .default,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        try await withClient(
            server: .address(address), over: serviceProtocol, defaultOptions: defaultOptions, isolation: isolation,
            body)
    }

    private static func withClient<Result: Sendable>(
        server: RPCServerAddress,
        over serviceProtocol: RPCTransportKind,
        defaultOptions: RPCCallOptions,
        isolation: isolated (any Actor)?,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        switch serviceProtocol {
        case .tcp, .local:
            try await withClient(
                transport: TCPClientTransport(server: server), defaultOptions: defaultOptions, isolation: isolation,
                body)
        case .udp:
            try await withClient(
                transport: UDPClientTransport(server: server), defaultOptions: defaultOptions, isolation: isolation,
                body)
        case .inProcess:
            throw RPCError(
                code: .unreachable,
                message: "a client over the in-process transport is made with withClient(transport:)")
        }
    }
}
