import Foundation
import GGUF

/// Tiny random models written to a temporary folder once per process.
enum TinyModels {
    static func path(_ model: RandomModel = RandomModel(), name: String = "tiny") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appending(path: "augur-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appending(path: "\(name)-\(model.seed)-\(model.weightType.name)-\(model.architecture).gguf").path
        if !FileManager.default.fileExists(atPath: path) { try model.writer().write(to: path) }
        return path
    }
}
