/// How a UDP client retransmits a call that has had no reply yet.
public struct RPCRetransmitPolicy: Hashable, Sendable {
    /// The wait before the first retransmission.
    public var initialInterval: Duration
    /// The factor each wait is multiplied by (1 for a fixed interval).
    public var multiplier: Double
    /// The longest wait between two transmissions.
    public var maximumInterval: Duration

    /// Creates a policy.
    public init(initialInterval: Duration, multiplier: Double, maximumInterval: Duration) {
        self.initialInterval = initialInterval
        self.multiplier = max(1, multiplier)
        self.maximumInterval = maximumInterval
    }

    /// Retransmits every `interval`.
    public static func fixed(_ interval: Duration) -> RPCRetransmitPolicy {
        RPCRetransmitPolicy(initialInterval: interval, multiplier: 1, maximumInterval: interval)
    }

    /// Retransmits after `initial`, doubling the wait each time up to `maximum`.
    public static func exponential(initial: Duration, maximum: Duration) -> RPCRetransmitPolicy {
        RPCRetransmitPolicy(initialInterval: initial, multiplier: 2, maximumInterval: maximum)
    }

    /// The wait after `interval`.
    public func interval(after interval: Duration) -> Duration {
        min(interval * multiplier, maximumInterval)
    }

    /// 500 ms, doubling up to 4 s.
    public static let `default` = RPCRetransmitPolicy.exponential(initial: .milliseconds(500), maximum: .seconds(4))
}

/// The credentials a client sends with a call.
public enum RPCCredentials: Hashable, Sendable {
    /// `AUTH_NONE`.
    case none
    /// `AUTH_SYS` with these parameters (replaced by an `AUTH_SHORT` credential when the server
    /// hands one back, and restored if the server later rejects it).
    case sys(AuthSysParameters)
    /// Any flavor, sent as given.
    case opaque(credentials: RPCOpaqueAuth, verifier: RPCOpaqueAuth)
}

/// Options for one call.
public struct RPCCallOptions: Hashable, Sendable {
    /// The longest the call may take in all, retransmissions included.
    public var timeout: Duration
    /// The credentials to send.
    public var credentials: RPCCredentials
    /// For UDP: when to retransmit.
    public var retransmit: RPCRetransmitPolicy
    /// The largest reply record this call accepts, or `nil` for the transport's own limit
    /// (`TCPClientTransport`'s `maximumRecordSize`, 4 MiB by default). Raise it for a call
    /// whose results are large, such as an NFS READ with a large count or an rpcbind DUMP of a
    /// big table. A larger reply fails the call with ``RPCError/Code-swift.struct/replyTooLarge``
    /// before its bytes are buffered; other calls on the connection go on.
    public var maximumReplySize: Int?

    /// Creates call options (defaults: 25 s, `AUTH_NONE`, 500 ms doubling up to 4 s, the
    /// transport's reply limit).
    public init(
        timeout: Duration = .seconds(25),
        credentials: RPCCredentials = .none,
        retransmit: RPCRetransmitPolicy = .default,
        maximumReplySize: Int? = nil
    ) {
        self.timeout = timeout
        self.credentials = credentials
        self.retransmit = retransmit
        self.maximumReplySize = maximumReplySize
    }

    /// The defaults.
    public static let `default` = RPCCallOptions()
}
