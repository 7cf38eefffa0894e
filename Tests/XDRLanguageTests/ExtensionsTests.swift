import Testing
import XDRLanguage

/// The warnings for what real `.x` files write beyond the standard, at their places.
func warnings(_ source: String) throws -> [String] {
    let (_, diagnostics) = try XDRFrontEnd.compile(file: "test.x", contents: source)
    return diagnostics.filter { $0.severity == .warning }.map(\.description)
}

@Suite("Extensions and rpcgen syntax in real .x files")
struct ExtensionsTests {
    @Test func aNamespaceIsReadWithAWarningAndItsDefinitionsKept() throws {
        let source = "namespace stellar {\nstruct s { int x; };\nnamespace inner { typedef int t; }\n}"
        #expect(
            try warnings(source) == [
                "test.x:1:1: warning: 'namespace stellar' is an xdrpp extension, not XDR: its definitions are generated at the top level",
                "test.x:3:1: warning: 'namespace inner' is an xdrpp extension, not XDR: its definitions are generated at the top level",
            ])
        #expect(try checked(source).specification.definitions.map(\.name) == ["s", "t"])
    }

    @Test func kernelPragmasAreIgnoredWithAWarning() throws {
        #expect(
            try warnings("typedef int t;\npragma exclude t;") == [
                "test.x:2:1: warning: 'pragma exclude t' is a Linux kernel xdrgen extension, not XDR: ignored (it only shapes xdrgen's C)"
            ])
    }

    @Test func keywordsAsNamesAreTakenWhereTheyCannotBeMisread() throws {
        let spec = try checked("struct s { int version; string program<>; };\nenum bool { NO = 0, YES = 1 };")
        #expect(spec.specification.definitions.map(\.name) == ["s", "bool"])
        #expect(try warnings("struct s { int version; };").first?.contains("'version' is a keyword of XDR") == true)
        // Where a keyword is a keyword, it stays an error.
        #expect(errors("const version = 1;").first?.contains("'version' is a keyword") == true)
    }

    @Test func semicolonsBetweenEnumMembersAreCommasWithOneWarning() throws {
        let spec = try checked("enum e { A = 1; B = 2; C = 3 };")
        #expect(spec.constants["C"] == 3)
        #expect(try warnings("enum e { A = 1; B = 2; C = 3; };").count == 1)
    }

    @Test func lineCommentsStillWork() throws {
        #expect(try checked("// a comment\nconst N = 2; // another\n").constants["N"] == 2)
    }

    @Test func proceduresTakeNamedAndAnonymousSizedArguments() throws {
        let spec = try checked(
            """
            program P { version V {
                string ECHO(string<> text) = 1;
                opaque<16> HASH(opaque<>) = 2;
                int ADD(int a, int b) = 3;
                int SUM(int values<8>) = 4;
            } = 1; } = 0x20000001;
            """)
        let names = spec.specification.definitions.map(\.name)
        #expect(names == ["HASH_argument", "HASH_result", "SUM_argument", "P"])
        guard case .program(_, _, let versions, _, _)? = spec.specification.definitions.last else {
            Issue.record("no program")
            return
        }
        let procedures = versions[0].procedures
        #expect(procedures[0].arguments == [.string] && procedures[0].argumentNames == ["text"])
        #expect(procedures[2].argumentNames == ["a", "b"])
        #expect(procedures[3].argumentNames == ["values"])
        // A sized opaque needs its size; a string has no fixed size.
        #expect(errors("program P { version V { int F(opaque) = 1; } = 1; } = 1;").first?.contains("opaque needs") == true)
        #expect(errors("program P { version V { int F(string[4]) = 1; } = 1; } = 1;").first?.contains("maximum") == true)
    }
}

@Suite("What real .x files from other projects need")
struct RealWorldFileTests {
    @Test func aTypeMayReachItselfThroughAUnion() throws {
        // As Stellar's SCSpecTypeDef and SCSpecTypeOption: the union's other arms end the value.
        let source = """
            enum kind { K_INT = 0, K_OPTION = 1 };
            struct option_of { type_def value_type; };
            union type_def switch (kind k) { case K_INT: void; case K_OPTION: option_of option; };
            """
        #expect(try checked(source).types["type_def"] != nil)
        // Without a union on the way it is still an error.
        #expect(errors("struct a { b x; }; struct b { a y; };").first?.contains("contains itself") == true)
    }

    @Test func xdrppScopedNamesAreTheirLastPart() throws {
        let spec = try checked(
            "enum color { RED = 1, BLUE = 2 };\nunion u switch (color c) { case color::RED: int r; case ::BLUE: void; };")
        guard case .union(_, let body, _, _)? = spec.types["u"] else {
            Issue.record("no union")
            return
        }
        #expect(body.arms.map { spec.value($0.labels[0]) } == [1, 2])
        #expect(try warnings("enum c { R = 1 }; union u switch (c d) { case c::R: void; };").count == 1)
    }

    @Test func authsysParmsIsRFC5531s() throws {
        let spec = try checked("struct cred { authsys_parms sys; };")
        guard case .structure(_, let body, _, _)? = spec.types["authsys_parms"] else {
            Issue.record("no authsys_parms")
            return
        }
        #expect(body.fields.map { $0.name ?? "" } == ["stamp", "machinename", "uid", "gid", "gids"])
    }
}
