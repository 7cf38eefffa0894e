import ArgumentParser
import Foundation
import NIOCore
import ONCRPC
import ONCRPCNIOTransport
import RPCBind

/// `swift-rpcinfo`: reports RPC information, with the options and output layout of rpcinfo(8).
@main
struct RPCInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swift-rpcinfo",
        abstract: "Report RPC information (a Swift rpcinfo).",
        discussion: """
            swift-rpcinfo [-m | -s] [host]          rpcbind v3/v4 dump (-s: concise), or statistics
            swift-rpcinfo -p [host]                 portmap v2 dump
            swift-rpcinfo -T netid host prog [vers] ping over a netid
            swift-rpcinfo -l host prog vers         the addresses of a program (GETADDRLIST)
            swift-rpcinfo [-n port] -t|-u host prog [vers]
            swift-rpcinfo -d [-T netid] prog vers   unregister (root, on this host)
            """)

    @Flag(name: .customShort("p"), help: "Portmap v2 dump of host's rpcbind.")
    var portmapDump = false
    @Flag(name: .customShort("s"), help: "Concise rpcbind dump.")
    var concise = false
    @Flag(name: .customShort("m"), help: "rpcbind statistics.")
    var statistics = false
    @Flag(name: .customShort("t"), help: "Ping a program over TCP.")
    var pingTCP = false
    @Flag(name: .customShort("u"), help: "Ping a program over UDP.")
    var pingUDP = false
    @Flag(name: .customShort("l"), help: "The addresses of a program version (GETADDRLIST).")
    var addressList = false
    @Flag(name: .customShort("d"), help: "Delete the registration of a program version.")
    var delete = false
    @Option(name: .customShort("T"), help: "The netid to use (tcp, udp, tcp6, udp6).")
    var netid: String?
    @Option(name: .customShort("n"), help: "The port to ping instead of asking rpcbind.")
    var port: Int?
    @Argument(help: "host, program, version, as the option needs.")
    var operands: [String] = []

    func run() async throws {
        do {
            try await dispatch()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            throw ExitCode(1)
        }
    }

    struct Failure: Error {
        var message: String
    }

    func dispatch() async throws {
        let host = operands.first ?? "localhost"
        if portmapDump {
            print(try await Self.portmapTable(host: host), terminator: "")
        } else if concise {
            print(try await Self.conciseTable(host: host), terminator: "")
        } else if statistics {
            print(try await Self.statisticsReport(host: host), terminator: "")
        } else if delete {
            try await deleteRegistration()
        } else if addressList {
            guard operands.count == 3 else { throw ValidationError("-l takes host prog vers") }
            print(
                try await Self.addressListTable(
                    host: host, program: try Self.program(operands[1]),
                    version: try Self.number(operands[2])), terminator: "")
        } else if pingTCP || pingUDP || netid != nil {
            guard operands.count == 2 || operands.count == 3 else {
                throw ValidationError("a ping takes host prog [vers]")
            }
            let over: RPCTransportKind
            switch (pingTCP, pingUDP, netid) {
            case (true, false, _): over = .tcp
            case (false, true, _): over = .udp
            case (false, false, let netid?) where netid.hasPrefix("tcp"): over = .tcp
            case (false, false, let netid?) where netid.hasPrefix("udp"): over = .udp
            default: throw ValidationError("give one of -t, -u or -T tcp|udp|tcp6|udp6")
            }
            let version = operands.count == 3 ? try Self.number(operands[2]) : nil
            let ok = try await Self.ping(
                host: host, program: try Self.program(operands[1]), version: version, over: over, port: port)
            if !ok { throw ExitCode(1) }
        } else {
            print(try await Self.fullTable(host: host), terminator: "")
        }
    }

    // MARK: Names and numbers

    /// `/etc/rpc`: program number to name, and names (and aliases) to numbers.
    static let programNames: (byNumber: [UInt32: String], byName: [String: UInt32]) = {
        var byNumber: [UInt32: String] = [:]
        var byName: [String: UInt32] = [:]
        guard let text = try? String(contentsOfFile: "/etc/rpc", encoding: .utf8) else { return ([:], [:]) }
        for line in text.split(separator: "\n") {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 2, let number = UInt32(fields[1]) else { continue }
            if byNumber[number] == nil { byNumber[number] = fields[0] }
            for name in [fields[0]] + fields.dropFirst(2) where byName[name] == nil {
                byName[name] = number
            }
        }
        return (byNumber, byName)
    }()

    static func program(_ text: String) throws -> UInt32 {
        if let number = UInt32(text) { return number }
        if let number = programNames.byName[text] { return number }
        throw Failure(message: "rpcinfo: \(text) is unknown service")
    }

    static func number(_ text: String) throws -> UInt32 {
        guard let number = UInt32(text) else { throw Failure(message: "rpcinfo: \(text) is illegal version number") }
        return number
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// The largest reply accepted from rpcbind: a table of a million entries fits, and a server
    /// sending more is cut off before its reply is buffered.
    static let maximumReplySize = 128 << 20

    /// Runs `body` with a client of the rpcbind at `host`, or fails as rpcinfo does.
    static func withRPCBind<T: Sendable>(
        host: String, over transport: RPCTransportKind = .tcp, what: String = "rpcbind",
        _ body: (RPCBindClient) async throws -> T
    ) async throws -> T {
        do {
            return try await withRPCBindClient(
                host: host, over: transport,
                options: RPCCallOptions(timeout: .seconds(30), maximumReplySize: maximumReplySize), body)
        } catch let error as RPCError {
            throw Failure(message: "rpcinfo: can't contact \(what): RPC: \(error.message)")
        }
    }

    // MARK: Tables

    /// `-p`: the portmap v2 table.
    static func portmapTable(host: String) async throws -> String {
        let mappings = try await withRPCBind(host: host, what: "portmapper") { rpcbind in
            RPCBindClient.array(try await rpcbind.version2.dump())
        }
        var text = "   program vers proto   port  service\n"
        for mapping in mappings {
            text += padLeft(String(mapping.prog), 10) + padLeft(String(mapping.vers), 5)
            switch mapping.prot {
            case 6: text += padLeft("tcp", 6)
            case 17: text += padLeft("udp", 6)
            default: text += padLeft(String(mapping.prot), 6)
            }
            text += padLeft(String(mapping.port), 7)
            if let name = programNames.byNumber[mapping.prog] { text += "  " + name }
            text += "\n"
        }
        return text
    }

    /// The rpcbind v3/v4 table (no option).
    static func fullTable(host: String) async throws -> String {
        let mappings = try await withRPCBind(host: host) { try await $0.mappings() }
        var text = "   program version netid     address                service    owner\n"
        for mapping in mappings {
            text += padLeft(String(mapping.rProg), 10) + padLeft(String(mapping.rVers), 5) + "    "
            text += pad(mapping.rNetid, 10) + pad(mapping.rAddr, 22) + " "
            text += pad(programNames.byNumber[mapping.rProg] ?? "-", 10) + " " + mapping.rOwner + "\n"
        }
        return text
    }

    /// `-s`: one line per program, its versions and netids.
    static func conciseTable(host: String) async throws -> String {
        let mappings = try await withRPCBind(host: host) { try await $0.mappings() }
        // As rpcinfo: programs in order of appearance, each version and netid registered later
        // in front; grouped in one pass, however long the table.
        let programs = RPCBindProgramSummary.summaries(of: mappings)
        var text = "   program version(s) netid(s)                         service     owner\n"
        for entry in programs {
            text += padLeft(String(entry.program), 10) + "  "
            text += pad(entry.versions.map(String.init).joined(separator: ","), 10)
            text += pad(entry.netids.joined(separator: ","), 32) + " "
            text += pad(programNames.byNumber[entry.program] ?? "-", 10) + "  " + entry.owner + "\n"
        }
        return text
    }

    /// `-l`: GETADDRLIST.
    static func addressListTable(host: String, program: UInt32, version: UInt32) async throws -> String {
        let entries = try await withRPCBind(host: host) { rpcbind in
            RPCBindClient.array(
                try await rpcbind.version4.getAddrList(
                    RPCBindMapping(rProg: program, rVers: version, rNetid: "", rAddr: "", rOwner: "")))
        }
        var text = "   program vers  tp_family/name/class    address\t\t  service\n"
        for entry in entries {
            let semantics: String
            switch entry.rNcSemantics {
            case 1: semantics = "clts"
            case 2: semantics = "cots"
            case 3: semantics = "cots_ord"
            case 4: semantics = "raw"
            default: semantics = String(entry.rNcSemantics)
            }
            text += padLeft(String(program), 10) + "  " + pad(String(version), 5)
            text += pad("\(entry.rNcProtofmly)/\(entry.rNcProto)/\(semantics)", 24)
            text += pad(entry.rMaddr, 24) + " " + pad(programNames.byNumber[program] ?? "-", 13) + "\n"
        }
        return text
    }

    /// `-m`: GETSTAT, laid out as rpcinfo does.
    static func statisticsReport(host: String) async throws -> String {
        let stats = try await withRPCBind(host: host) { try await $0.version4.getStat() }
        guard stats.count == 3 else { throw Failure(message: "rpcinfo: rpcbind returned \(stats.count) statistics") }
        func successes(_ list: RPCBindAddressStatistics?) -> Int32 {
            var total: Int32 = 0
            var node = list
            while let entry = node {
                total &+= entry.success
                node = entry.next
            }
            return total
        }
        func remoteSuccesses(_ list: RPCBindRemoteCallStatistics?) -> Int32 {
            var total: Int32 = 0
            var node = list
            while let entry = node {
                total &+= entry.success
                node = entry.next
            }
            return total
        }
        func row(_ cells: [String]) -> String { cells.map { pad($0, 8) }.joined() + "\n" }
        var text = ""
        for (index, title) in ["PORTMAP (version 2)", "RPCBIND (version 3)", "RPCBIND (version 4)"].enumerated() {
            let s = stats[index]
            let lookups = "\(s.info[3])/\(successes(s.addrinfo))"
            let calls = "\(s.info[5])/\(remoteSuccesses(s.rmtinfo))"
            let set = "\(s.info[1])/\(s.setinfo)"
            let unset = "\(s.info[2])/\(s.unsetinfo)"
            text += "\(title) statistics\n"
            if index == 0 {
                text += row(["NULL", "SET", "UNSET", "GETPORT", "DUMP", "CALLIT"])
                text += row(["\(s.info[0])", set, unset, lookups, "\(s.info[4])", calls])
            } else {
                text += row(["NULL", "SET", "UNSET", "GETADDR", "DUMP", "CALLIT", "TIME", "U2T", "T2U"])
                text += row([
                    "\(s.info[0])", set, unset, lookups, "\(s.info[4])", calls, "\(s.info[6])", "\(s.info[7])",
                    "\(s.info[8])",
                ])
                if index == 2 {
                    text += row(["VERADDR", "INDRECT", "GETLIST", "GETSTAT"])
                    text += row(["\(s.info[9])", "\(s.info[10])", "\(s.info[11])", "\(s.info[12])"])
                }
            }
            text += "\n"
            if s.addrinfo != nil {
                text +=
                    index == 0
                    ? "PMAP_GETPORT call statistics\n" : "RPCB_GETADDR (version \(index + 2)) call statistics\n"
                text += "prog\t\tvers\tnetid\t  success\tfailure\n"
                var node = s.addrinfo
                while let entry = node {
                    let name = programNames.byNumber[entry.prog] ?? String(entry.prog)
                    text += pad(name, 16) + "\(entry.vers)\t\(entry.netid)\t  " + pad(String(entry.success), 12)
                    text += "\t\(entry.failure)\n"
                    node = entry.next
                }
                text += "\n"
            }
        }
        return text
    }

    // MARK: Pings and deletion

    /// `-t`/`-u`/`-T`: calls the NULL procedure of each version (or of `version`).
    static func ping(host: String, program: UInt32, version: UInt32?, over: RPCTransportKind, port: Int?) async throws
        -> Bool
    {
        let address: SocketAddress
        do {
            if let port {
                address = try SocketAddress.makeAddressResolvingHost(host, port: port)
            } else {
                address = try await RPCBindResolver.resolve(
                    host: host, program: program, version: version ?? 0, over: over)
            }
        } catch let error as RPCError where error.code == .notRegistered {
            throw Failure(message: "\(host): RPC: Program not registered")
        } catch let error as RPCError {
            throw Failure(message: "\(host): RPC: \(error.message)")
        }
        let transport: any RPCClientTransport =
            over == .tcp ? TCPClientTransport(server: .address(address)) : UDPClientTransport(server: .address(address))
        return try await withRPCClient(transport: transport, defaultOptions: RPCCallOptions(timeout: .seconds(10))) {
            client in
            var versions: [UInt32]
            if let version {
                versions = [version]
            } else {
                // Version 0 is never served: the mismatch reply says which versions are.
                do {
                    try await client.ping(program: program, version: 0)
                    versions = [0]
                } catch let error as RPCError {
                    guard error.code == .programMismatch, let range = error.code.supportedVersions,
                        range.low <= range.high, range.high - range.low < 1000
                    else {
                        print("rpcinfo: RPC: \(error.message)")
                        print("program \(program) is not available")
                        return false
                    }
                    versions = Array(range.low...range.high)
                }
            }
            var allReady = true
            for version in versions {
                do {
                    try await client.ping(program: program, version: version)
                    print("program \(program) version \(version) ready and waiting")
                } catch let error as RPCError {
                    if error.code == .programMismatch, let range = error.code.supportedVersions {
                        let (low, high) = (range.low, range.high)
                        FileHandle.standardError.write(
                            Data(
                                "rpcinfo: RPC: Program/version mismatch; low version = \(low), high version = \(high)\n"
                                    .utf8))
                    } else {
                        FileHandle.standardError.write(Data("rpcinfo: RPC: \(error.message)\n".utf8))
                    }
                    print("program \(program) version \(version) is not available")
                    allReady = false
                }
            }
            return allReady
        }
    }

    /// `-d prog vers`: unsets a registration on this host's rpcbind.
    func deleteRegistration() async throws {
        guard operands.count == 2 else { throw ValidationError("-d takes prog vers") }
        let program = try Self.program(operands[0])
        let version = try Self.number(operands[1])
        let transport: RPCTransportKind =
            FileManager.default.fileExists(atPath: RPCBindClient.localSocketPath)
            ? .local : .udp
        let removed = try await Self.withRPCBind(host: "127.0.0.1", over: transport) { rpcbind in
            try await rpcbind.unset(program: program, version: version, netid: netid ?? "", owner: String(getuid()))
        }
        if !removed {
            throw Failure(
                message: "rpcinfo: Could not delete registration for prog \(operands[0]) version \(operands[1])")
        }
    }
}
