public import NIOCore

/// How an ``RPCServer`` announces what it serves: once its transports listen it registers every
/// program, version and transport, and after a graceful shutdown it unregisters them.
///
/// `RPCBind` provides `.rpcbind` (the system's rpcbind, as libtirpc's `svc_reg` does); ``none``
/// registers nothing. A registration that fails stops the server with that error.
public struct RPCServerRegistration: Sendable {
    /// One program version reachable on one transport.
    public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        /// The program number.
        public var program: UInt32
        /// The version number.
        public var version: UInt32
        /// The transport's network id: `tcp`, `udp`, `tcp6`, `udp6` or `local`.
        public var netid: String
        /// The address the transport listens on.
        public var address: SocketAddress

        /// Creates an endpoint.
        public init(program: UInt32, version: UInt32, netid: String, address: SocketAddress) {
            self.program = program
            self.version = version
            self.netid = netid
            self.address = address
        }

        /// `program/version over netid at address`.
        public var description: String { "\(program)/\(version) over \(netid) at \(address)" }
    }

    /// Where a registration tells the server's log what an operator should know (such as a
    /// stale registration it replaced).
    public struct Notices: Sendable {
        let emit: @Sendable (String) -> Void

        /// Notices that go to `emit`.
        public init(_ emit: @escaping @Sendable (String) -> Void) {
            self.emit = emit
        }

        /// Reports `message`.
        public func callAsFunction(_ message: String) {
            emit(message)
        }

        /// Notices that go nowhere.
        public static let ignored = Notices { _ in }
    }

    /// Registers the endpoints, reporting notices; throws when any cannot be, having undone
    /// what it registered.
    public let registerReportingNotices: @Sendable ([Endpoint], Notices) async throws -> Void
    /// The endpoints to unregister.
    public let unregister: @Sendable ([Endpoint]) async throws -> Void

    /// The endpoints to register; throws when any cannot be, having undone what it registered.
    public var register: @Sendable ([Endpoint]) async throws -> Void {
        let register = registerReportingNotices
        return { endpoints in try await register(endpoints, .ignored) }
    }

    /// Creates a registration from its two steps.
    public init(
        register: @escaping @Sendable ([Endpoint]) async throws -> Void,
        unregister: @escaping @Sendable ([Endpoint]) async throws -> Void
    ) {
        self.registerReportingNotices = { endpoints, _ in try await register(endpoints) }
        self.unregister = unregister
    }

    /// Creates a registration from its two steps, the first given where to report notices.
    public init(
        registerReportingNotices: @escaping @Sendable ([Endpoint], Notices) async throws -> Void,
        unregister: @escaping @Sendable ([Endpoint]) async throws -> Void
    ) {
        self.registerReportingNotices = registerReportingNotices
        self.unregister = unregister
    }

    /// Registers nothing.
    public static let none = RPCServerRegistration(register: { _ in }, unregister: { _ in })
}
