import NIOCore
import ONCRPC

/// The Swift server of xdr/interop.x, doing what Interop/interop/interop-server.c does: echoes,
/// the samples, and FAIL answering with the error status asked for.
struct InteropService: Interop.Version1.ServiceProtocol {
    func null(context: RPCServerContext) async throws {}
    func echoInt(_ argument: Int32, context: RPCServerContext) async throws -> Int32 { argument }
    func echoUint(_ argument: UInt32, context: RPCServerContext) async throws -> UInt32 { argument }
    func echoHyper(_ argument: Int64, context: RPCServerContext) async throws -> Int64 { argument }
    func echoUhyper(_ argument: UInt64, context: RPCServerContext) async throws -> UInt64 { argument }
    func echoBool(_ argument: Bool, context: RPCServerContext) async throws -> Bool { argument }
    func echoFloat(_ argument: Float, context: RPCServerContext) async throws -> Float { argument }
    func echoDouble(_ argument: Double, context: RPCServerContext) async throws -> Double { argument }
    func echoColor(_ argument: Color, context: RPCServerContext) async throws -> Color { argument }
    func echoDigest(_ argument: Digest, context: RPCServerContext) async throws -> Digest { argument }
    func echoName(_ argument: Name, context: RPCServerContext) async throws -> Name { argument }
    func echoText(_ argument: Text, context: RPCServerContext) async throws -> Text { argument }
    func echoBlob(_ argument: Blob, context: RPCServerContext) async throws -> Blob { argument }
    func echoVector(_ argument: IntVector, context: RPCServerContext) async throws -> IntVector { argument }
    func echoList(_ argument: IntList, context: RPCServerContext) async throws -> IntList { argument }
    func echoValue(_ argument: Value, context: RPCServerContext) async throws -> Value { argument }
    func echoStatus(_ argument: Status, context: RPCServerContext) async throws -> Status { argument }
    func echoChain(_ argument: Chain, context: RPCServerContext) async throws -> Chain { argument }
    func echoRecord(_ argument: Record, context: RPCServerContext) async throws -> Record { argument }

    func getSample(_ argument: UInt32, context: RPCServerContext) async throws -> Record {
        guard argument < Samples.count else {
            throw RPCError(code: .garbageArguments, message: "no sample \(argument)")
        }
        return Samples.sample(argument)
    }

    func checkSample(_ argument: SampleCheck, context: RPCServerContext) async throws -> Text {
        guard argument.index < Samples.count else { return "no sample \(argument.index)" }
        return Samples.firstDifference(argument.candidate, Samples.sample(argument.index)) ?? ""
    }

    func fail(_ argument: Failure, context: RPCServerContext) async throws {
        let code: RPCError.Code
        switch argument.kind {
        case .failProgUnavail: code = .programUnavailable
        case .failProgMismatch:
            code = .programMismatch(
                low: UInt32(InteropConstants.interopMismatchLow), high: UInt32(InteropConstants.interopMismatchHigh))
        case .failProcUnavail: code = .procedureUnavailable
        case .failGarbageArgs: code = .garbageArguments
        case .failSystemErr: code = .systemError
        case .failAuthError: code = .authError(RPCAuthStatus(rawValue: UInt32(bitPattern: argument.authStat)))
        }
        throw RPCError(code: code, message: "FAIL asked for \(argument.kind)")
    }
}
