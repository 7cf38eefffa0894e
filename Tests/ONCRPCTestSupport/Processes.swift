public import Foundation
import Synchronization

/// Runs a system tool on a thread of its own (never blocking the tasks' threads) and returns
/// its status and output (stdout and stderr together).
@discardableResult
public func runTool(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw ToolMissing(path: path)
    }
    return try await withCheckedThrowingContinuation { continuation in
        Thread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            let data = readToEnd(pipe.fileHandleForReading)
            process.waitUntilExit()
            continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
        }.start()
    }
}

/// Reads what is available on `handle` (blocking until something is), retrying a read that a
/// signal interrupted; `nil` at the end of the file or on an error.
///
/// Foundation's `FileHandle.availableData` and `readDataToEndOfFile()` stop the process with a
/// fatal error when `read` fails with `EINTR`, which a signal arriving on the reading thread
/// (a child ending, say) causes; this reads the descriptor directly instead.
public func readAvailable(_ handle: FileHandle) -> Data? {
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if count > 0 { return Data(chunk[..<count]) }
        if count < 0, errno == EINTR { continue }
        return nil
    }
}

/// Reads `handle` to the end of the file (see ``readAvailable(_:)``).
public func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    while let chunk = readAvailable(handle) { data.append(chunk) }
    return data
}

/// A tool a test needs is not installed.
public struct ToolMissing: Error, CustomStringConvertible {
    /// Where the tool was looked for.
    public var path: String
    /// Creates the error for `path`.
    public init(path: String) { self.path = path }
    /// How to get the tool.
    public var description: String {
        "\(path) is missing: run scripts/test, which installs what the tests need (rpcbind, rpcsvc-proto, "
            + "libtirpc-dev, gcc, rstatd, rusersd)"
    }
}

/// Polls `condition` every 50 ms for up to `seconds`.
public func eventually(seconds: Double = 15, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// A process started by a test that runs beside it (a C server, say): its output is collected
/// on a thread of its own; ``stop()`` ends it by its pid with SIGTERM (SIGKILL after 5 s).
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let collected = Collected()

    private final class Collected: Sendable {
        let state = Mutex<(output: String, ended: Bool)>(("", false))
        func withLock<R>(_ body: (inout (output: String, ended: Bool)) -> R) -> R { state.withLock { body(&$0) } }
    }

    /// Starts `path` with `arguments` and waits up to `timeout` until its output contains
    /// `readyText`; throws (after stopping it) if it ends or times out first.
    public init(_ path: String, _ arguments: [String], readyText: String, timeout: Duration = .seconds(10)) async throws
    {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw ToolMissing(path: path) }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        Thread { [collected] in
            let handle = pipe.fileHandleForReading
            while let data = readAvailable(handle) {
                collected.withLock { $0.output += String(decoding: data, as: UTF8.self) }
            }
            collected.withLock { $0.ended = true }
        }.start()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (output, ended) = collected.withLock { ($0.output, $0.ended) }
            if output.contains(readyText) { return }
            if ended { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let output = await stop()
        throw ProcessNotReady(path: path, readyText: readyText, output: output)
    }

    /// The output so far.
    public var output: String { collected.withLock { $0.output } }

    /// The process identifier.
    public var pid: Int32 { process.processIdentifier }

    /// Sends SIGTERM to the process (by its pid), waits for it to end (SIGKILL after 5 s) and
    /// returns all of its output.
    @discardableResult
    public func stop() async -> String {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning || !collected.withLock({ $0.ended }) {
            if ContinuousClock.now > deadline, process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return output
    }
}

/// A background process ended or timed out before saying it was ready.
public struct ProcessNotReady: Error, CustomStringConvertible {
    /// The executable.
    public var path: String
    /// What it was expected to print.
    public var readyText: String
    /// What it printed.
    public var output: String
    /// A readable account.
    public var description: String { "\(path) did not print \"\(readyText)\"; its output:\n\(output)" }
}

/// Where the C `rpcinfo` is installed (Debian's rpcbind package).
public let rpcinfo = "/usr/sbin/rpcinfo"

/// The rows of the C `rpcinfo -p 127.0.0.1` for `program`: (version, protocol, port).
public func portmapRows(program: UInt32) async throws -> [(version: UInt32, proto: String, port: Int)] {
    let (status, output) = try await runTool(rpcinfo, ["-p", "127.0.0.1"])
    guard status == 0 else {
        throw ToolMissing(path: "a running rpcbind (rpcinfo -p failed: \(output))")
    }
    return output.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count >= 4, UInt32(fields[0]) == program, let version = UInt32(fields[1]),
            let port = Int(fields[3])
        else { return nil }
        return (version, String(fields[2]), port)
    }
}
