import ONCRPC
import Testing
import XDR

/// `RPCRouter`'s lookup: procedure tables indexed by number below 64 and hashed above, versions
/// scanned, every miss named by the reply status it calls for.
@Suite("Routing of (program, version, procedure)")
struct RouterTests {
    static func method(_ procedure: UInt32, _ name: String) -> RPCMethod {
        RPCMethod(procedure: procedure, name: name) { (_: XDRVoid, _) -> XDRVoid in XDRVoid() }
    }

    static func name(_ route: RPCRouter.Route) -> String {
        switch route {
        case .method(let method): method.name
        case .null: "null"
        case .programUnavailable: "programUnavailable"
        case .programMismatch(let low, let high): "programMismatch(\(low), \(high))"
        case .procedureUnavailable: "procedureUnavailable"
        }
    }

    let router = RPCRouter(services: [
        RPCServiceDefinition(
            program: 400_100, version: 2,
            methods: [method(3, "A3"), method(63, "A63"), method(64, "A64"), method(1000, "A1000")]),
        RPCServiceDefinition(program: 400_100, version: 5, methods: [method(0, "NULL5"), method(1, "B1")]),
        // A later service of the same program and version replaces a procedure of the same number.
        RPCServiceDefinition(program: 400_100, version: 2, methods: [method(3, "A3-later"), method(.max, "AMAX")]),
        RPCServiceDefinition(program: 400_200, version: 1, methods: []),
    ])

    @Test(
        arguments: [
            (400_100, 2, 3, "A3-later"), (400_100, 2, 63, "A63"), (400_100, 2, 64, "A64"),
            (400_100, 2, 1000, "A1000"), (400_100, 2, UInt32.max, "AMAX"), (400_100, 2, 0, "null"),
            (400_100, 2, 4, "procedureUnavailable"), (400_100, 2, 65, "procedureUnavailable"),
            (400_100, 5, 0, "NULL5"), (400_100, 5, 1, "B1"), (400_100, 5, 3, "procedureUnavailable"),
            (400_100, 3, 0, "programMismatch(2, 5)"), (400_100, 6, 1, "programMismatch(2, 5)"),
            (400_200, 1, 0, "null"), (400_200, 2, 0, "programMismatch(1, 1)"), (400_300, 1, 0, "programUnavailable"),
        ] as [(UInt32, UInt32, UInt32, String)])
    func routes(program: UInt32, version: UInt32, procedure: UInt32, expected: String) {
        #expect(Self.name(router.route(program: program, version: version, procedure: procedure)) == expected)
    }

    @Test func programVersionsAreListedSortedOnce() {
        let pairs = router.programVersions.map { "\($0.program)/\($0.version)" }
        #expect(pairs == ["400100/2", "400100/5", "400200/1"])
    }
}
