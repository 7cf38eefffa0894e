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

    /// Creates call options (defaults: 25 s, `AUTH_NONE`, 500 ms doubling up to 4 s).
    public init(
        timeout: Duration = .seconds(25),
        credentials: RPCCredentials = .none,
        retransmit: RPCRetransmitPolicy = .default
    ) {
        self.timeout = timeout
        self.credentials = credentials
        self.retransmit = retransmit
    }

    /// The defaults.
    public static let `default` = RPCCallOptions()
}
