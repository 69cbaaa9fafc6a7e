import Foundation
import GGUF

/// Tiny random models written to a temporary folder once per process.
///
/// Tests run in parallel and may ask for the same model at once, so a model is written under a
/// unique name and renamed into place: a reader sees either no file or the whole file, never one
/// that another test is still writing.
enum TinyModels {
    static func path(_ model: RandomModel = RandomModel(), name: String = "tiny") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appending(path: "augur-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appending(path: "\(name)-\(model.seed)-\(model.weightType.name)-\(model.architecture).gguf").path
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = path + ".\(UUID().uuidString).partial"
        try model.writer().write(to: partial)
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot move \(partial) to \(path): \(reason)"])
        }
        return path
    }

    /// A random model of `type` weights, 256 wide with a feed-forward of 512: wide enough for
    /// k-quant blocks and several workgroups a projection.
    static func wide(_ type: TensorType) -> RandomModel {
        var random = RandomModel()
        random.weightType = type
        random.hidden = 256
        random.feedForward = 512
        return random
    }
}
