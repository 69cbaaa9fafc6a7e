import Foundation
import TestSupport
import Testing

@Suite("Golden data")
struct GoldenDataTests {
    @Test("A golden file that is present but does not decode fails the test that reads it")
    func undecodable() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "augur-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"model_file": "m.gguf", "cases": [{"name": 3}]}"#.utf8).write(to: folder.appending(path: "bad.json"))
        #expect(throws: GoldenData.UndecodableGolden.self) { try GoldenData.load("bad.json", as: GoldenFile.self, from: folder) }
    }

    @Test("Every golden file the parity tests read decodes")
    func realFilesDecode() throws {
        for (_, file) in ParityTests.models { _ = try GoldenFile.load(file) }
    }
}
