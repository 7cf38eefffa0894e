/// Finds the method for a (program, version, procedure), or the reply status that says why
/// there is none.
public struct RPCRouter: Sendable {
    struct Key: Hashable, Sendable {
        var program: UInt32
        var version: UInt32
    }

    /// The outcome of a lookup.
    public enum Route: Sendable {
        /// The method to run.
        case method(RPCMethod)
        /// The NULL procedure of a served version, not implemented explicitly: reply with void.
        case null
        /// No such program: `PROG_UNAVAIL`.
        case programUnavailable
        /// The program is served at other versions: `PROG_MISMATCH(low, high)`.
        case programMismatch(low: UInt32, high: UInt32)
        /// No such procedure in the version: `PROC_UNAVAIL`.
        case procedureUnavailable
    }

    var methods: [Key: [UInt32: RPCMethod]] = [:]
    var versions: [UInt32: (low: UInt32, high: UInt32)] = [:]

    /// Creates a router over `services`. A later service with the same program and version
    /// replaces an earlier one's procedures of the same number.
    public init(services: [any RPCService]) {
        for service in services {
            let key = Key(program: service.program, version: service.version)
            var table = methods[key] ?? [:]
            for method in service.methods {
                table[method.procedure] = method
            }
            methods[key] = table
            if let range = versions[service.program] {
                versions[service.program] = (min(range.low, service.version), max(range.high, service.version))
            } else {
                versions[service.program] = (service.version, service.version)
            }
        }
    }

    /// The (program, version) pairs served, sorted.
    public var programVersions: [(program: UInt32, version: UInt32)] {
        methods.keys.map { ($0.program, $0.version) }.sorted { ($0.program, $0.version) < ($1.program, $1.version) }
    }

    /// Looks up a procedure.
    public func route(program: UInt32, version: UInt32, procedure: UInt32) -> Route {
        guard let table = methods[Key(program: program, version: version)] else {
            if let range = versions[program] {
                return .programMismatch(low: range.low, high: range.high)
            }
            return .programUnavailable
        }
        if let method = table[procedure] {
            return .method(method)
        }
        return procedure == 0 ? .null : .procedureUnavailable
    }
}
