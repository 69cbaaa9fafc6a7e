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
        try writeOnce(to: path) { try model.writer() }
        return path
    }

    /// `model` with the first rows of some tensors (by name, the share of rows) drawn again from
    /// `seed`: a second model that shares the vocabulary and most of the weights, so it agrees
    /// with the first often but not always (a draft model whose proposals are sometimes accepted).
    /// `name` and `seed` name the file: one name for each `redrawn`.
    static func perturbed(_ model: RandomModel, redrawn: [String: Double], seed: UInt64, name: String) throws -> String {
        let original = try path(model)
        let source = try GGUFFile(path: original)
        let path = URL(filePath: original).deletingLastPathComponent().appending(path: "\(name)-\(model.seed)-\(seed).gguf").path
        try writeOnce(to: path) {
            var writer = GGUFWriter()
            for key in source.metadataKeys { writer.set(key, source.metadata[key]!) }
            for tensor in source.tensors {
                var data = Array(source.data(of: tensor))
                if let share = redrawn[tensor.name] {
                    let rows = Int((Double(tensor.elementCount / tensor.columns) * share).rounded())
                    let fresh = try SyntheticTensor.randomBytes(type: tensor.type, rows: rows, columns: tensor.columns, seed: seed)
                    data.replaceSubrange(0..<fresh.count, with: fresh)
                }
                writer.addTensor(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions, data: data)
            }
            return writer
        }
        return path
    }

    /// Writes `writer()` to `path` under a unique name and renames it into place, unless it is there.
    private static func writeOnce(to path: String, _ writer: () throws -> GGUFWriter) throws {
        if FileManager.default.fileExists(atPath: path) { return }
        let partial = path + ".\(UUID().uuidString).partial"
        try writer().write(to: partial)
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot move \(partial) to \(path): \(reason)"])
        }
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
