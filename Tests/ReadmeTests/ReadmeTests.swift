import Foundation
import ONCRPC
import RPCBind
import Testing

/// The README's examples cannot drift from the code: each Swift block of README.md is in
/// ReadmeExamples.swift (so the build compiles it), its JSON block is this target's plugin
/// configuration (so the build runs it), and the examples that need nothing but loopback and the
/// test machine's daemons run.
@Suite("The README's examples", .timeLimit(.minutes(1)))
struct ReadmeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let readme = directory.appendingPathComponent("../../README.md")

    /// The fenced blocks of `language` in `markdown`, as lines.
    static func blocks(_ language: String, in markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```\(language)" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// `lines` without their indentation and trailing blanks.
    static func normalized(_ lines: [String]) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func everySwiftBlockOfTheReadmeIsCompiledHere() throws {
        let readme = try String(contentsOf: Self.readme, encoding: .utf8)
        let examples = try String(
            contentsOf: Self.directory.appendingPathComponent("ReadmeExamples.swift"), encoding: .utf8)
        let exampleLines = Self.normalized(examples.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        let blocks = Self.blocks("swift", in: readme)
        #expect(blocks.count >= 6, "the README's Swift blocks: \(blocks.count)")
        for block in blocks {
            let imports = block.filter { $0.hasPrefix("import ") }
            for line in imports {
                #expect(exampleLines.contains(line), "ReadmeExamples.swift lacks \(line)")
            }
            var body = Self.normalized(block.filter { !$0.hasPrefix("import ") })
            while body.first == "" { body.removeFirst() }
            let found = exampleLines.indices.contains { start in
                start + body.count <= exampleLines.count && Array(exampleLines[start..<start + body.count]) == body
            }
            #expect(found, "this README block is not in ReadmeExamples.swift (copy it there):\n\(body.joined(separator: "\n"))")
        }
    }

    @Test func theReadmesPluginConfigurationIsThisTargets() throws {
        let readme = try String(contentsOf: Self.readme, encoding: .utf8)
        let blocks = Self.blocks("json", in: readme)
        #expect(blocks.count == 1)
        let config = try Data(contentsOf: Self.directory.appendingPathComponent("swift-rpcgen-config.json"))
        let inReadme = try JSONSerialization.jsonObject(with: Data(blocks[0].joined(separator: "\n").utf8)) as? NSDictionary
        let used = try JSONSerialization.jsonObject(with: config) as? NSDictionary
        #expect(inReadme != nil && inReadme == used)
    }

    /// The message the error example prints, as its comment says.
    @Test func anUnreachableRPCBindIsNamedInTheError() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await Rstat.V3.withClient(host: "127.0.0.1", over: .tcp, rpcbindPort: 1) { try await $0.stats() }
        }
        #expect(error?.code == .unreachable)
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("the rpcbind at 127.0.0.1 port 1 does not answer"), "\(text)")
        #expect(text.contains("connection refused"), "\(text)")
        #expect(!text.contains("\n") && !text.contains("cause:"), "one line: \(text)")
    }

    @Test func theExamplesThatNeedNoServerOfTheirOwnRun() async throws {
        try ReadmeExamples.xdrByHand()
        try await ReadmeExamples.matchAnError()
        // rpc.rstatd is started by scripts/test (apt-get install rstatd).
        try await ReadmeExamples.callALegacyService()
    }
}
