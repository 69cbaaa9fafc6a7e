import Foundation
import Testing

/// The README's Swift example is `Examples/Embedding/main.swift` (the `augur-embedding-example`
/// target, which every build compiles), so the README cannot show code that does not compile.
@Suite("The README's Swift example")
struct ReadmeExampleTests {
    /// The package root: the source tree this file was built from, else the current folder (a test
    /// bundle run elsewhere from a copy of the tree, as `Tools/device-check.sh` does).
    static let root = [URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent(),
                       URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        .first { FileManager.default.fileExists(atPath: $0.appending(path: "Examples/Embedding/main.swift").path) }
        ?? URL(fileURLWithPath: #filePath)

    /// The text of the README's one ```swift block.
    static func readmeSwiftBlock() throws -> String {
        let readme = try String(contentsOf: root.appending(path: "README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst()
        try #require(blocks.count == 1, "the README should have exactly one ```swift block")
        let block = try #require(blocks.first?.components(separatedBy: "```").first)
        return block
    }

    @Test("is the example target's source, character for character")
    func matchesExample() throws {
        let example = try String(contentsOf: Self.root.appending(path: "Examples/Embedding/main.swift"), encoding: .utf8)
        #expect(try Self.readmeSwiftBlock() == example)
        #expect(example.split(separator: "\n", omittingEmptySubsequences: false).count <= 22)
    }

    /// The test bundle and the executables share one products folder (`swift build --build-tests`
    /// builds the example); a test bundle copied alone (`Tools/device-check.sh`) has no example.
    static let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    static let example = [products, products.deletingLastPathComponent()]
        .map { $0.appending(path: "augur-embedding-example") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    @Test("runs: the built example generates from a tiny model and prints its stats line",
          .enabled(if: example != nil || ProcessInfo.processInfo.environment["CI"] == "true",
                   "augur-embedding-example is not beside the test bundle"))
    func runs() throws {
        let binary = try #require(Self.example, "augur-embedding-example not built next to \(Self.products.path)")
        let process = Process()
        process.executableURL = binary
        process.arguments = [try TinyModels.path(), "the cat"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "stderr: \(errorText)")
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains(" tokens in ") && last.contains(" rounds, ") && last.hasSuffix(" tokens/s"), "stdout: \(text)")
    }
}
