/// One line of a concise listing of rpcbind's table (`rpcinfo -s`): a program, the versions and
/// netids it is registered with, and the owner of its first registration.
///
/// ```swift
/// let lines = RPCBindProgramSummary.summaries(of: try await rpcbind.mappings())
/// ```
public struct RPCBindProgramSummary: Hashable, Sendable {
    /// The program number.
    public var program: UInt32
    /// Its versions, the one registered last first (as rpcinfo lists them).
    public var versions: [UInt32]
    /// Its netids, the one registered last first.
    public var netids: [String]
    /// The owner of the program's first registration.
    public var owner: String

    /// Creates a summary.
    public init(program: UInt32, versions: [UInt32], netids: [String], owner: String) {
        self.program = program
        self.versions = versions
        self.netids = netids
        self.owner = owner
    }

    /// The programs of `mappings` in order of first appearance, each with its distinct versions
    /// and netids. Linear in the number of mappings (hashed look-ups, no scans), so a table of
    /// hundreds of thousands of entries from a server one does not control is summarised at once.
    public static func summaries(of mappings: [RPCBindMapping]) -> [RPCBindProgramSummary] {
        grouped(mappings.lazy.map { ($0.rProg, $0.rVers, $0.rNetid, $0.rOwner) }).map { group in
            RPCBindProgramSummary(
                program: group.program, versions: group.versions.reversed(), netids: group.netids.reversed(),
                owner: group.owner)
        }
    }

    /// The grouping behind ``summaries(of:)``, over any keys (tests count its hashing and
    /// comparisons to show it is linear): programs in order of first appearance, each with its
    /// distinct versions and netids in order of first appearance.
    static func grouped<Program: Hashable, Version: Hashable, Netid: Hashable, Owner>(
        _ entries: some Sequence<(Program, Version, Netid, Owner)>
    ) -> [(program: Program, versions: [Version], netids: [Netid], owner: Owner)] {
        var groups: [(program: Program, versions: [Version], netids: [Netid], owner: Owner)] = []
        var indexOfProgram: [Program: Int] = [:]
        var seenVersions = Set<Pair<Program, Version>>()
        var seenNetids = Set<Pair<Program, Netid>>()
        for (program, version, netid, owner) in entries {
            let index: Int
            if let known = indexOfProgram[program] {
                index = known
            } else {
                index = groups.count
                indexOfProgram[program] = index
                groups.append((program, [], [], owner))
            }
            if seenVersions.insert(Pair(first: program, second: version)).inserted {
                groups[index].versions.append(version)
            }
            if seenNetids.insert(Pair(first: program, second: netid)).inserted {
                groups[index].netids.append(netid)
            }
        }
        return groups
    }
}

/// Two hashable values as one set element.
private struct Pair<First: Hashable, Second: Hashable>: Hashable {
    var first: First
    var second: Second
}
