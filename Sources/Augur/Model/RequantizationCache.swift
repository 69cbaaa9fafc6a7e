import Crypto
import Foundation
import GGUF

/// Requantized copies of model files on disk (`EngineOptions.requantizationCacheDirectory`), so a
/// draft model is requantized once instead of at every load (most of a draft's load time). A copy is the source file with each matrix that `WeightEncoding` would
/// requantize stored requantized and everything else as it was, so loading it gives the same
/// device bytes as requantizing at load (tested). Copies are named by the SHA-256 of the source's
/// contents, the target type and the encoder's output on a fixed block: a changed file or a
/// changed encoder gets a new copy. The least recently used copies go once they pass `maxBytes`.
/// Any failure (a read-only folder, a full disk, a damaged copy) falls back to requantizing at load.
struct RequantizationCache: Sendable {
    /// Where copies live; nil turns the cache off.
    let directory: URL?
    /// The most bytes the copies may take together.
    var maxBytes = 8 << 30

    /// A copy in use: its path and whether an earlier load wrote it.
    struct Copy: Sendable {
        let file: GGUFFile
        let path: String
        let reused: Bool
    }

    /// The requantized copy of `source` for `encoding`: read from the cache, else written there
    /// first. nil when nothing would be requantized or the cache cannot serve it.
    func copy(of source: GGUFFile, encoding: WeightEncoding) -> Copy? {
        guard let directory, let target = encoding.requantization?.type else { return nil }
        let requantized = Set(source.tensors.filter { Self.requantizes($0, encoding) }.map(\.name))
        guard !requantized.isEmpty, let fingerprint = try? Self.encoderFingerprint(target) else { return nil }
        let name = "\(Self.digest(of: source))-\(target.name)-\(fingerprint).gguf"
        let url = directory.appending(path: name)
        if let file = try? GGUFFile(path: url.path), Self.matches(file, source, requantized: requantized, as: target) {
            // Touched on use: the least recently used copies are the first to go.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
            return Copy(file: file, path: url.path, reused: true)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let partial = url.path + ".\(UUID().uuidString).partial"
            defer { try? FileManager.default.removeItem(atPath: partial) }
            try Self.writer(for: source, requantized: requantized, as: target).write(to: partial)
            guard rename(partial, url.path) == 0 else { return nil }
            evict(keeping: url)
            let file = try GGUFFile(path: url.path)
            guard Self.matches(file, source, requantized: requantized, as: target) else { return nil }
            return Copy(file: file, path: url.path, reused: false)
        } catch {
            return nil
        }
    }

    /// Whether `tensor` is a matrix that `encoding` requantizes.
    static func requantizes(_ tensor: GGUFTensorInfo, _ encoding: WeightEncoding) -> Bool {
        tensor.dimensions.count == 2 && tensor.columns % 32 == 0 && encoding.requantizes(tensor.type)
    }

    /// The source's metadata and tensors, those named in `requantized` re-encoded as they are written.
    static func writer(for source: GGUFFile, requantized: Set<String>, as target: TensorType) throws -> GGUFWriter {
        var writer = GGUFWriter()
        for key in source.metadataKeys { writer.set(key, source.metadata[key]!) }
        for tensor in source.tensors {
            guard requantized.contains(tensor.name) else {
                writer.addTensor(name: tensor.name, type: tensor.type, dimensions: tensor.dimensions, byteCount: tensor.byteCount) {
                    Array(source.data(of: tensor))
                }
                continue
            }
            let bytes = try target.rowBytes(elements: tensor.columns) * tensor.rows
            // The types and shapes were checked (`requantizes`); a failure here writes too few bytes, which the writer refuses.
            writer.addTensor(name: tensor.name, type: target, dimensions: tensor.dimensions, byteCount: bytes) {
                (try? Requantization.encode(tensor.type, as: target, from: source.data(of: tensor), elements: tensor.elementCount,
                                            rowElements: tensor.columns)) ?? []
            }
        }
        return writer
    }

    /// Whether `copy` holds `source`'s metadata and tensors, those in `requantized` as `target`.
    static func matches(_ copy: GGUFFile, _ source: GGUFFile, requantized: Set<String>, as target: TensorType) -> Bool {
        copy.metadataKeys == source.metadataKeys && copy.tensors.count == source.tensors.count
            && zip(copy.tensors, source.tensors).allSatisfy { c, s in
                c.name == s.name && c.dimensions == s.dimensions && c.type == (requantized.contains(s.name) ? target : s.type)
            }
    }

    /// SHA-256 of the file's contents, 64 MiB pieces hashed in parallel, then their digests.
    static func digest(of file: GGUFFile) -> String {
        let size = file.contents.count, piece = 64 << 20
        let count = max(1, (size + piece - 1) / piece)
        var digests = [UInt8](repeating: 0, count: count * 32)
        digests.withUnsafeMutableBytes { out in
            // The address as an integer: each worker writes its own 32 bytes.
            let base = UInt(bitPattern: out.baseAddress)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                let contents = file.contents
                let part = UnsafeRawBufferPointer(rebasing: contents[(i * piece)..<min(size, (i + 1) * piece)])
                SHA256.hash(data: part).withUnsafeBytes {
                    UnsafeMutableRawPointer(bitPattern: base)!.advanced(by: i * 32).copyMemory(from: $0.baseAddress!, byteCount: 32)
                }
            }
        }
        return SHA256.hash(data: digests).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The first bytes of the SHA-256 of the encoder's output for a fixed block: a change to the
    /// encoder retires every copy it wrote.
    static func encoderFingerprint(_ target: TensorType) throws -> String {
        let block = (0..<64).map { Float(sin(Double($0) * 0.7) * Double($0 % 7 + 1)) }
        let encoded = try block.withUnsafeBytes {
            try Requantization.encode(.f32, as: target, from: $0, elements: block.count, rowElements: block.count)
        }
        return SHA256.hash(data: encoded).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// Removes the least recently used copies (and abandoned partial files) until the rest,
    /// `keeping` among them, fit in `maxBytes`.
    func evict(keeping: URL) {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        var copies: [(path: String, bytes: Int, used: Date)] = []
        for name in names {
            let path = directory.appending(path: name).path
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { continue }
            let used = attributes[.modificationDate] as? Date ?? .distantPast
            if name.hasSuffix(".partial") {
                // Another process may be writing it; one a day old was abandoned.
                if used.timeIntervalSinceNow < -86_400 { try? FileManager.default.removeItem(atPath: path) }
                continue
            }
            guard name.hasSuffix(".gguf") else { continue }
            copies.append((path, attributes[.size] as? Int ?? 0, path == keeping.path ? .distantFuture : used))
        }
        var total = copies.reduce(0) { $0 + $1.bytes }
        for copy in copies.sorted(by: { $0.used < $1.used }) where total > maxBytes && copy.path != keeping.path {
            try? FileManager.default.removeItem(atPath: copy.path)
            total -= copy.bytes
        }
    }
}
