import Foundation
import Testing

/// How a test that cannot run here says so. A skip prints a line that `Tools/test.sh` counts and
/// lists at the end of the run, then cancels the test, so a green run that tested little shows it.
/// Under CI (`CI=true`) a missing input (a model, a golden file) fails the test instead: `.ci/run`
/// provides every input, so one missing there means the run checks less than it claims.
public enum Skip {
    /// The prefix of the line each skip prints (`Tools/test.sh` greps for it).
    public static let marker = "augur-test-skipped:"

    /// Whether missing inputs are failures (`CI=true`).
    public static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// An input the test needs is missing: skipped here, a failure under CI.
    public static func missing(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        if underCI { throw MissingInput(description: "\(what) (missing under CI=true)") }
        try cancel(what, sourceLocation: sourceLocation)
    }

    /// The device lacks a capability the test exercises: skipped everywhere, CI included (CI
    /// cannot provide a device feature), but counted like every other skip.
    public static func unsupported(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        try cancel(what, sourceLocation: sourceLocation)
    }

    private static func cancel(_ why: String, sourceLocation: SourceLocation) throws -> Never {
        let test = Test.current.map { $0.displayName ?? $0.name } ?? "?"
        print("\(marker) \(test): \(why)")
        try Test.cancel(Comment(rawValue: why), sourceLocation: sourceLocation)
    }

    /// The failure a missing input is under CI.
    public struct MissingInput: Error, CustomStringConvertible {
        public var description: String
    }
}

/// Model files the tests read, from the model folder (`AUGUR_MODELS`, else `~/.cache/augur/models`,
/// where `augur pull` and `Tools/fetch-models.sh` put them). Tests never download.
public enum TestModelFiles {
    public static var directory: String {
        if let folder = ProcessInfo.processInfo.environment["AUGUR_MODELS"], !folder.isEmpty { return folder }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/augur/models").path
    }

    /// The path of `fileName` in the model folder; skips the test (fails it under CI) when absent.
    public static func path(_ fileName: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            try Skip.missing("model \(fileName) not in \(directory) (run Tools/fetch-models.sh)", sourceLocation: sourceLocation)
        }
        return path
    }
}

/// llama.cpp's reference outputs in `../shared/reference/golden/` beside the package.
public enum GoldenData {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/reference/golden").standardizedFileURL

    /// Decodes a golden file. Absent: skipped (a failure under CI). Present but not decodable
    /// as `T`: always a failure, since every test reading it would otherwise pass unchecked.
    public static func load<T: Decodable>(_ file: String, as type: T.Type, from folder: URL = directory,
                                          sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        let url = folder.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url) else {
            try Skip.missing("golden file \(url.path) not found", sourceLocation: sourceLocation)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw UndecodableGolden(description: "golden file \(url.path) does not decode as \(T.self): \(error)")
        }
    }

    public struct UndecodableGolden: Error, CustomStringConvertible {
        public var description: String
    }
}
