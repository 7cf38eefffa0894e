import Testing
import XDRLanguage

/// Compiles `source` as `test.x` and returns the error lines, or [] when it compiles.
func errors(_ source: String, includes: [String: String] = [:]) -> [String] {
    do {
        _ = try XDRFrontEnd.compile(file: "test.x", contents: source) { path, _ in
            includes[path].map { (path, $0) }
        }
        return []
    } catch {
        return error.diagnostics.filter { $0.severity == .error }.map(\.description)
    }
}

func checked(_ source: String, macros: [String: String] = ["RPC_HDR": "1"]) throws -> CheckedSpecification {
    try XDRFrontEnd.compile(file: "test.x", contents: source, macros: macros).0
}

@Suite("The .x front end: parsing, preprocessing and checking")
struct FrontEndTests {
    @Test func syntaxErrorsPointAtLineAndColumn() {
        #expect(errors("struct a {\n    int x\n};") == ["test.x:3:1: error: expected ';' after the field, found '}'"])
        #expect(errors("const X = ;") == ["test.x:1:11: error: expected a number or a constant's name, found ';'"])
        #expect(errors("typedef int;").first?.hasPrefix("test.x:1:12: error:") == true)
        #expect(
            errors("union u switch (int d) { case 1 int x; };").first?.hasPrefix("test.x:1:33: error: expected ':'")
                == true)
        #expect(errors("struct s { int x; } @").first?.contains("unexpected character '@'") == true)
    }

    /// Found by fuzzing (Tests/Fuzz/Corpus/FuzzXDRLanguage/continued-pass-through-line.x): a `%`
    /// line continued with backslashes was placed on its last line, at a negative column.
    @Test func aContinuedLineIsPlacedWhereItStarts() throws {
        let source = "const A = 1;\n%#define X (1 +\\\n\t\t\t 2)\nconst B = 2;\n"
        let (_, diagnostics) = try XDRFrontEnd.compile(file: "test.x", contents: source)
        #expect(
            diagnostics.map(\.description) == ["test.x:2:1: note: '%' pass-through line ignored (it is C for rpcgen)"])
        #expect(errors(source + "struct s { foo x; };") == ["test.x:5:12: error: type 'foo' is not defined; if a C header defines it (rpcgen leaves such names to one), pass --type foo=<XDR type>; if another .x file defines it, compile the files together (swift-rpcgen a.x b.x, --unit other.x or --use-module MODULE=other.x)"])
    }

    /// Found by fuzzing (Tests/Fuzz/Corpus/FuzzXDRLanguage/string-ending-in-backslash.x): a string
    /// literal whose line ended in a backslash ran on over the newline without counting it.
    @Test func aStringEndingInABackslashStopsAtItsLine() {
        let source = "const A = 1;\n\"abc\\\n\"\nstruct s { foo x; };\n"
        #expect(
            errors(source) == [
                "test.x:2:1: error: unterminated string literal", "test.x:3:1: error: unterminated string literal",
            ])
        let next = errors("const A = 1;\n\"x\\\ny\n")
        #expect(next.contains { $0.hasPrefix("test.x:3:1: error:") && $0.hasSuffix("found 'y'") }, "\(next)")
    }

    @Test func semanticErrors() {
        #expect(errors("struct s { foo x; };") == ["test.x:1:12: error: type 'foo' is not defined; if a C header defines it (rpcgen leaves such names to one), pass --type foo=<XDR type>; if another .x file defines it, compile the files together (swift-rpcgen a.x b.x, --unit other.x or --use-module MODULE=other.x)"])
        #expect(
            errors("const A = 1; const A = 2;") == ["test.x:1:20: error: 'A' is defined twice (first at test.x:1:7)"])
        #expect(
            errors("struct s { int x; }; struct t { int a[s]; };") == [
                "test.x:1:39: error: 's' is a type, not a constant (array size)"
            ])
        #expect(
            errors("union u switch (int d) { case 1: int a; case 1: int b; };").first?.contains(
                "case value 1 is used twice") == true)
        #expect(errors("struct s { int x; s y; };").first?.contains("'s' contains itself") == true)
        #expect(errors("struct s { int x; s *y; };") == [])
        #expect(errors("struct s { int x; int x; };").first?.contains("field 'x' is declared twice") == true)
        #expect(errors("union u switch (string d<>) { case 1: void; };").first?.contains("discriminant") == true)
        #expect(errors("const A = B; const B = A;").first?.contains("defined in terms of itself") == true)
        #expect(errors("typedef opaque o[-1];").first?.contains("must be between 0 and 4294967295") == true)
        #expect(
            errors("program P { version V { void F(void) = 1; int G(int) = 1; } = 1; } = 9;").first?.contains(
                "procedure number 1 is used by 'F' and 'G'") == true)
    }

    @Test func constantsResolve() throws {
        let spec = try checked(
            """
            const A = 0x10; const B = 010; const C = -3; const D = A;
            enum e { X = D, Y, Z = 100 };
            """)
        #expect(spec.constants["A"] == 16)
        #expect(spec.constants["B"] == 8)
        #expect(spec.constants["C"] == -3)
        #expect(spec.constants["D"] == 16)
        #expect(spec.constants["Y"] == 17)  // no value: the previous plus one, as rpcgen takes it
        #expect(spec.constants["Z"] == 100)
    }

    @Test func preprocessor() throws {
        let spec = try checked(
            """
            #define SIZE 12
            #ifdef RPC_HDR
            %#include <stdio.h>
            const IN_HEADER = SIZE;
            #else
            const NOT_IN_HEADER = 1;
            #endif
            #if defined(NOPE) || SIZE > 10
            const BIG = 1;
            #elif 1
            const NEVER = 1;
            #endif
            %#define FROM_PERCENT 7
            const P = FROM_PERCENT;
            """)
        #expect(spec.constants["IN_HEADER"] == 12)
        #expect(spec.constants["NOT_IN_HEADER"] == nil)
        #expect(spec.constants["BIG"] == 1)
        #expect(spec.constants["NEVER"] == nil)
        #expect(spec.constants["P"] == 7)
        #expect(errors("#if 1\nconst A = 1;\n") == ["test.x:1:1: error: unterminated conditional directive"])
        #expect(errors("#endif") == ["test.x:1:1: error: #endif without #if"])
    }

    @Test func includes() {
        #expect(errors("#include \"other.x\"\nstruct s { t x; };", includes: ["other.x": "typedef int t;"]) == [])
        #expect(errors("#include \"missing.x\"") == ["test.x:1:1: error: cannot find included file 'missing.x'"])
    }

    @Test func rpcgenSpellings() throws {
        let spec = try checked(
            """
            struct s { unsigned a; u_int b; long c; char d; short e; u_long f; bool_t g; struct s *next; };
            typedef struct s s;
            program P { version V { string NAME(string) = 1; void TWO(int, s) = 2; } = 1; } = 0x20000001;
            const HIGH = NAME;
            """)
        #expect(spec.constants["HIGH"] == 1)
        #expect(spec.types["s"] != nil)
    }

    @Test func commentsBecomeDocComments() throws {
        let spec = try checked("/* The answer. */\nconst A = 42; /* trailing, not a doc comment */\nconst B = 1;")
        guard case .constant(_, _, _, let first) = spec.specification.definitions[0],
            case .constant(_, _, _, let second) = spec.specification.definitions[1]
        else {
            Issue.record("expected two constants")
            return
        }
        #expect(first == "The answer.")
        #expect(second == nil)
    }

    @Test func neverCrashesOnGarbage() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(
            "struct union enum switch case default typedef const program version { } [ ] < > ( ) ; , = : * - 0 1 x y int opaque string void # % / \n\""
        )
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<80, using: &generator)
            let source = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            _ = errors(source)
        }
    }
}
