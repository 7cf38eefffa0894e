public import RPCBind
import Synchronization

/// rpcbind's table of mappings and its statistics, shared by the portmap v2 and rpcbind v3
/// and v4 services of an ``RPCBindServer``. Safe to use from any task.
public final class RPCBindRegistry: Sendable {
    /// The most mappings the table holds; SETs beyond it are answered FALSE.
    public let maximumMappings: Int
    /// The most entries each version's lookup and forwarding statistics keep.
    public let maximumStatisticsEntries: Int

    private let state = Mutex(State())

    struct Key: Hashable {
        var program: UInt32
        var version: UInt32
        var netid: String
    }

    struct State {
        var mappings: [RPCBindMapping] = []
        /// The program, version and netid of every mapping, to refuse duplicates quickly.
        var keys: Set<Key> = []
        /// Indexed by version: 0 for portmap v2, 1 for v3, 2 for v4 (as RPCBVERS_n_STAT).
        var statistics = [VersionStatistics](repeating: VersionStatistics(), count: 3)
    }

    struct VersionStatistics {
        var procedures = [Int32](repeating: 0, count: 13)
        var sets: Int32 = 0
        var unsets: Int32 = 0
        var lookups: [RPCBindAddressStatistics] = []
        var remoteCalls: [RPCBindRemoteCallStatistics] = []
    }

    /// Creates an empty table.
    public init(maximumMappings: Int = 10_000, maximumStatisticsEntries: Int = 256) {
        self.maximumMappings = maximumMappings
        self.maximumStatisticsEntries = maximumStatisticsEntries
    }

    /// Every mapping, oldest first.
    public var mappings: [RPCBindMapping] {
        state.withLock { $0.mappings }
    }

    /// Adds `mapping` owned by `owner`; `false` when one for the same program, version and
    /// netid exists or the table is full.
    public func set(_ mapping: RPCBindMapping, owner: String) -> Bool {
        state.withLock { state in
            let key = Key(program: mapping.rProg, version: mapping.rVers, netid: mapping.rNetid)
            guard state.mappings.count < maximumMappings, state.keys.insert(key).inserted else { return false }
            var stored = mapping
            stored.rOwner = owner
            state.mappings.append(stored)
            return true
        }
    }

    /// Removes the mappings of `program` `version` over `netids` (every netid when `netids` is
    /// `nil`). `false` when there is none, or when one belongs to an owner other than `owner`
    /// and `owner` is not `superuser` (then nothing is removed).
    public func unset(program: UInt32, version: UInt32, netids: Set<String>?, owner: String) -> Bool {
        state.withLock { state in
            let matching = { (mapping: RPCBindMapping) -> Bool in
                mapping.rProg == program && mapping.rVers == version && (netids?.contains(mapping.rNetid) ?? true)
            }
            let targets = state.mappings.filter(matching)
            guard !targets.isEmpty else { return false }
            if owner != "superuser", targets.contains(where: { $0.rOwner != owner }) {
                return false
            }
            state.mappings.removeAll(where: matching)
            for target in targets {
                state.keys.remove(Key(program: target.rProg, version: target.rVers, netid: target.rNetid))
            }
            return true
        }
    }

    /// The mapping of `program` over `netid`: of exactly `version` if there is one, else (unless
    /// `exactVersion`) of another version, so the caller learns the program is there.
    public func lookUp(program: UInt32, version: UInt32, netid: String, exactVersion: Bool) -> RPCBindMapping? {
        state.withLock { state in
            let candidates = state.mappings.filter { $0.rProg == program && $0.rNetid == netid }
            return candidates.first { $0.rVers == version } ?? (exactVersion ? nil : candidates.first)
        }
    }

    // MARK: Statistics

    func countCall(version: Int, procedure: UInt32) {
        state.withLock { state in
            guard Int(procedure) < 13 else { return }
            state.statistics[version].procedures[Int(procedure)] &+= 1
        }
    }

    func countChange(version: Int, set: Bool) {
        state.withLock { state in
            if set { state.statistics[version].sets &+= 1 } else { state.statistics[version].unsets &+= 1 }
        }
    }

    func countLookup(version: Int, program: UInt32, programVersion: UInt32, netid: String, found: Bool) {
        state.withLock { state in
            var lookups = state.statistics[version].lookups
            if let index = lookups.firstIndex(where: {
                $0.prog == program && $0.vers == programVersion && $0.netid == netid
            }) {
                if found { lookups[index].success &+= 1 } else { lookups[index].failure &+= 1 }
            } else if lookups.count < maximumStatisticsEntries {
                lookups.append(
                    RPCBindAddressStatistics(
                        prog: program, vers: programVersion, success: found ? 1 : 0, failure: found ? 0 : 1,
                        netid: netid, next: nil))
            }
            state.statistics[version].lookups = lookups
        }
    }

    func countRemoteCall(
        version: Int, program: UInt32, programVersion: UInt32, procedure: UInt32, netid: String, indirect: Bool,
        succeeded: Bool
    ) {
        state.withLock { state in
            var calls = state.statistics[version].remoteCalls
            if let index = calls.firstIndex(where: {
                $0.prog == program && $0.vers == programVersion && $0.proc == procedure && $0.netid == netid
                    && ($0.indirect != 0) == indirect
            }) {
                if succeeded { calls[index].success &+= 1 } else { calls[index].failure &+= 1 }
            } else if calls.count < maximumStatisticsEntries {
                calls.append(
                    RPCBindRemoteCallStatistics(
                        prog: program, vers: programVersion, proc: procedure, success: succeeded ? 1 : 0,
                        failure: succeeded ? 0 : 1, indirect: indirect ? 1 : 0, netid: netid, next: nil))
            }
            state.statistics[version].remoteCalls = calls
        }
    }

    /// The statistics of versions 2, 3 and 4, as GETSTAT returns them.
    public var statistics: RPCBindStatisticsByVersion {
        state.withLock { state in
            state.statistics.map { version in
                var lookups: RPCBindAddressStatistics? = nil
                for var entry in version.lookups.reversed() {
                    entry.next = lookups
                    lookups = entry
                }
                var calls: RPCBindRemoteCallStatistics? = nil
                for var entry in version.remoteCalls.reversed() {
                    entry.next = calls
                    calls = entry
                }
                return RPCBindStatistics(
                    info: version.procedures, setinfo: version.sets, unsetinfo: version.unsets, addrinfo: lookups,
                    rmtinfo: calls)
            }
        }
    }
}
