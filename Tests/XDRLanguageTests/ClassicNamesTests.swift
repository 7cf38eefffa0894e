import Testing
import XDRLanguage

/// The names rpcgen leaves to C headers: auth flavors, C integer typedef names, and what to pass
/// when a name stays undefined.
@Suite("Names rpcgen leaves to C headers")
struct ClassicNamesTests {
    @Test func authFlavorsArePredefinedWithTheirRFCValues() throws {
        let spec = try checked(
            """
            union cred switch (int flavor) {
            case AUTH_NONE: void;
            case AUTH_SYS: opaque sys<>;
            case RPCSEC_GSS: opaque gss<>;
            case AUTH_TLS: void;
            default: void;
            };
            enum flavors { F_UNIX = AUTH_UNIX, F_SHORT = AUTH_SHORT, F_DH = AUTH_DH };
            """)
        #expect(spec.constants["AUTH_NONE"] == 0)
        #expect(spec.constants["AUTH_SYS"] == 1 && spec.constants["AUTH_UNIX"] == 1)
        #expect(spec.constants["AUTH_SHORT"] == 2 && spec.constants["AUTH_DH"] == 3)
        #expect(spec.constants["RPCSEC_GSS"] == 6 && spec.constants["AUTH_TLS"] == 7)
        #expect(spec.constants["F_DH"] == 3)
    }

    @Test func aFileDefiningAFlavorKeepsItsOwnValue() throws {
        let spec = try checked("const AUTH_SYS = 42; union u switch (int d) { case AUTH_SYS: int x; default: void; };")
        #expect(spec.constants["AUTH_SYS"] == 42)
        #expect(errors("const AUTH_SYS = 42;").isEmpty)  // not "defined twice"
    }

    @Test func cIntegerTypedefNamesAreTheirXDRTypes() throws {
        let spec = try checked(
            """
            struct s {
                int32 a; uint32 b; int64 c; uint64 d; uid_t u; gid_t g; uint32_t e; int64_t f;
                bool_t flag; wrapstring name; int32 list<>; uint64 *next;
            };
            program P { version V { wrapstring ECHO(wrapstring) = 1; } = 1; } = 0x20000001;
            """)
        guard case .structure(_, let body, _, _)? = spec.specification.definitions.first(where: { $0.name == "s" })
        else {
            Issue.record("no struct s")
            return
        }
        let kinds = body.fields.map(\.kind)
        #expect(
            kinds == [
                .plain(.int), .plain(.unsignedInt), .plain(.hyper), .plain(.unsignedHyper), .plain(.unsignedInt),
                .plain(.unsignedInt), .plain(.unsignedInt), .plain(.hyper), .plain(.bool), .string(nil),
                .variableArray(.int, nil), .optional(.unsignedHyper),
            ])
        guard case .program(_, _, let versions, _, _)? = spec.specification.definitions.last else {
            Issue.record("no program")
            return
        }
        #expect(versions[0].procedures[0].arguments == [.string])
        #expect(versions[0].procedures[0].result == .string)
    }

    @Test func aFileDefiningAClassicNameKeepsItsOwnType() throws {
        let spec = try checked("typedef unsigned hyper int32; struct s { int32 a; };")
        guard case .structure(_, let body, _, _)? = spec.specification.definitions.last else {
            Issue.record("no struct s")
            return
        }
        guard case .plain(.named("int32", _)) = body.fields[0].kind else {
            Issue.record("int32 should stay the file's own typedef: \(body.fields[0].kind)")
            return
        }
    }

    @Test func anUndefinedNameSaysWhatToPass() {
        #expect(
            errors("struct s { opaque uuid[VIR_UUID_BUFLEN]; };") == [
                "test.x:1:24: error: 'VIR_UUID_BUFLEN' is not defined (opaque size); rpcgen leaves it to a C header:"
                    + " pass -D VIR_UUID_BUFLEN=<value>, or the header with --macros-from"
            ])
        #expect(errors("enum e { BUSY = EBUSY };").first?.contains("pass -D EBUSY=<value>") == true)
        #expect(errors("struct s { dev_t d; };").first?.contains("pass --type dev_t=<XDR type>") == true)
    }

    @Test func typeNamesCanBeMappedByTheUser() throws {
        let spec = try XDRFrontEnd.compile(
            file: "test.x", contents: "typedef int other; struct p { pid pid; opaque_t o; };",
            typeNames: ["pid": "unsigned int", "opaque_t": "other"]
        ).0
        guard case .structure(_, let body, _, _)? = spec.specification.definitions.last else {
            Issue.record("no struct")
            return
        }
        #expect(body.fields[0].kind == .plain(.unsignedInt))
        guard case .plain(.named("other", let location)) = body.fields[1].kind else {
            Issue.record("opaque_t should become the file's own 'other': \(body.fields[1].kind)")
            return
        }
        #expect(location.column == 40)
        #expect(throws: CompilationFailed.self) {
            _ = try XDRFrontEnd.compile(file: "test.x", contents: "struct p { x a; };", typeNames: ["x": "not a type!"])
        }
    }
}
