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
