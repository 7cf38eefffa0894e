import Foundation
import ONCRPCTestSupport
import Testing

/// The directory holding the package's built executables (next to the test bundle).
let binDirectory: String = {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if url.lastPathComponent.hasSuffix(".xctest") { url = url.deletingLastPathComponent() }
    return url.path
}()

let packageRoot = "/" + "\(#filePath)".split(separator: "/").dropLast(3).joined(separator: "/")

@Suite("swift-rpcinfo and swift-rpcbind with the C tools", .timeLimit(.minutes(2)))
struct ToolTests {
    /// swift-rpcbind on port 111 of a private network namespace, against the system's rpcinfo
    /// and an rpcgen-made libtirpc server (Interop/rpcbind/embedded-rpcbind-check.sh).
    @Test func swiftRPCBindServesRealCClients() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: "\(binDirectory)/swift-rpcbind"),
            "build the package first: swift build --build-tests")
        let (status, output) = try await runTool(
            "/bin/bash", ["\(packageRoot)/Interop/rpcbind/embedded-rpcbind-check.sh", binDirectory])
        #expect(status == 0, "\(output)")
        #expect(output.contains("embedded-rpcbind-check: all passed"), "\(output)")
    }
}
