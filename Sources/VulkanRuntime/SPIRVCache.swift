import Crypto
import Foundation

/// SPIR-V on disk, keyed by the SHA-256 of the shader's sources (includes too), its defines and
/// the device, so a second start of the same binary compiles nothing.
public struct SPIRVCache: Sendable {
    public let directory: URL?

    /// SPIR-V kept in `directory`; nil keeps none.
    public init(directory: URL?) {
        self.directory = directory
    }

    /// The cache key of one compiled variant.
    public static func key(name: String, defines: [String: String], sources: [(String, String)], device: String) -> String {
        var hasher = SHA256()
        func add(_ s: String) {
            hasher.update(data: Data(s.utf8))
            hasher.update(data: Data([0]))
        }
        add("augur-spirv-v1")
        add(device)
        add(name)
        for (k, v) in defines.sorted(by: { $0.key < $1.key }) { add("\(k)=\(v)") }
        for (path, text) in sources { add(path); add(text) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    public func load(key: String) -> [UInt32]? {
        guard let directory, let data = try? Data(contentsOf: directory.appending(path: "\(key).spv")),
              data.count >= 20, data.count % 4 == 0 else { return nil }
        let words = data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        return words.first == 0x0723_0203 ? words : nil
    }

    public func store(key: String, words: [UInt32]) {
        guard let directory else { return }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let data = words.withUnsafeBytes { Data($0) }
            try data.write(to: directory.appending(path: "\(key).spv"), options: .atomic)
        } catch {
            // A read-only or full cache folder only costs compile time on the next start.
        }
    }
}
