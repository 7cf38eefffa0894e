import ONCRPC
import Testing

/// RPCError.Code is a struct of static members: codes compare by kind, the details a server
/// sends are properties, and a `switch` needs a `default`, so new codes break nobody.
@Suite("RPCError.Code")
struct ErrorCodeTests {
    @Test func codesCompareByKindAndCarryTheirDetails() {
        let mismatch = RPCError.Code.programMismatch(low: 2, high: 4)
        #expect(mismatch == .programMismatch)
        #expect(mismatch.supportedVersions == RPCVersionRange(low: 2, high: 4))
        #expect(mismatch != .rpcMismatch(low: 2, high: 4))
        #expect(RPCError.Code.authError(.tooWeak) == .authError)
        #expect(RPCError.Code.authError(.tooWeak).authStatus == .tooWeak)
        #expect(RPCError.Code.timedOut.supportedVersions == nil && RPCError.Code.timedOut.authStatus == nil)
        #expect(Set([mismatch, .programMismatch, .timedOut]).count == 2)
        #expect(mismatch.description == "program version mismatch (supported: 2-4)")
        #expect(RPCError.Code.authError(.badCredential).description.hasPrefix("authentication error ("))
    }

    @Test func aSwitchMatchesTheKind() {
        func describe(_ code: RPCError.Code) -> String {
            switch code {
            case .programMismatch: "mismatch \(code.supportedVersions.map(\.description) ?? "?")"
            case .authError: "auth"
            case .timedOut, .connectionClosed: "transient"
            default: "other"
            }
        }
        #expect(describe(.programMismatch(low: 1, high: 3)) == "mismatch 1-3")
        #expect(describe(.authError(.rejectedCredential)) == "auth")
        #expect(describe(.connectionClosed) == "transient")
        #expect(describe(.replyTooLarge) == "other")
    }
}
