/// A program version described by a `.x` file, as swift-rpcgen generates it: its program and
/// version numbers and its client. Generated version namespaces conform, so that a client can be
/// opened from the namespace alone:
///
/// ```swift
/// try await Mount.V3.withClient(transport: transport) { mount in try await mount.null() }
/// // With RPCBind imported, found through the host's rpcbind:
/// try await Mount.V3.withClient(host: "nfs1", over: .tcp) { mount in try await mount.null() }
/// ```
public protocol RPCProgramVersion {
    /// The generated client of this version.
    associatedtype Client: RPCVersionClient
    /// The program number.
    static var program: UInt32 { get }
    /// The version number.
    static var version: UInt32 { get }
}

/// A generated client of one program version: a wrapper of an ``RPCClient``.
public protocol RPCVersionClient: Sendable {
    /// Wraps a client whose transport reaches a server of this program version.
    init(wrapping client: RPCClient)
    /// The client the calls go through.
    var client: RPCClient { get }
}

extension RPCProgramVersion {
    /// Runs `transport` for the duration of `body` and hands `body` a client of this version
    /// over it (``withRPCClient(transport:defaultOptions:decodingOptions:isolation:_:)`` with
    /// the generated client around it).
    public static func withClient<Result: Sendable>(
        transport: some RPCClientTransport,
        defaultOptions: RPCCallOptions = .default,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Client) async throws -> Result
    ) async throws -> Result {
        try await withRPCClient(transport: transport, defaultOptions: defaultOptions, isolation: isolation) {
            client in
            try await body(Client(wrapping: client))
        }
    }
}
