/// Finds the method for a (program, version, procedure), or the reply status that says why
/// there is none.
public struct RPCRouter: Sendable {
    /// The procedures of one (program, version): numbers below 64 in a table indexed by
    /// number, others (rare) in a dictionary.
    struct Version: Sendable {
        var program: UInt32
        var version: UInt32
        var dense: [RPCMethod?] = []
        var sparse: [UInt32: RPCMethod] = [:]

        static let denseLimit: UInt32 = 64

        mutating func add(_ method: RPCMethod) {
            if method.procedure < Self.denseLimit {
                let index = Int(method.procedure)
                if dense.count <= index {
                    dense.append(contentsOf: repeatElement(nil, count: index + 1 - dense.count))
                }
                dense[index] = method
            } else {
                sparse[method.procedure] = method
            }
        }

        func method(_ procedure: UInt32) -> RPCMethod? {
            if procedure < Self.denseLimit {
                let index = Int(procedure)
                return index < dense.count ? dense[index] : nil
            }
            return sparse[procedure]
        }
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

    /// The (program, version) pairs served, in the order first seen: a server has a few, so a
    /// scan finds one with integer comparisons, without hashing.
    var served: [Version] = []

    /// Creates a router over `services`. A later service with the same program and version
    /// replaces an earlier one's procedures of the same number.
    public init(services: [any RPCService]) {
        for service in services {
            let index =
                served.firstIndex { $0.program == service.program && $0.version == service.version }
                ?? {
                    served.append(Version(program: service.program, version: service.version))
                    return served.count - 1
                }()
            for method in service.methods {
                served[index].add(method)
            }
        }
    }

    /// The (program, version) pairs served, sorted.
    public var programVersions: [(program: UInt32, version: UInt32)] {
        served.map { ($0.program, $0.version) }.sorted { ($0.program, $0.version) < ($1.program, $1.version) }
    }

    /// Looks up a procedure.
    public func route(program: UInt32, version: UInt32, procedure: UInt32) -> Route {
        var low = UInt32.max
        var high = UInt32.min
        // By index, so that only the matching entry's table is read (no entry is copied).
        for index in served.indices where served[index].program == program {
            let servedVersion = served[index].version
            if servedVersion == version {
                if let method = served[index].method(procedure) {
                    return .method(method)
                }
                return procedure == 0 ? .null : .procedureUnavailable
            }
            low = min(low, servedVersion)
            high = max(high, servedVersion)
        }
        return low <= high ? .programMismatch(low: low, high: high) : .programUnavailable
    }
}
