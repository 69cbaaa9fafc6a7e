import Crypto
import Foundation

/// SPIR-V on disk, keyed by the SHA-256 of the shader's sources (includes too), its defines and
/// the device, so a second start of the same binary compiles nothing.
public struct SPIRVCache: Sendable {
    public let directory: URL?

    /// `spirv/` in Augur's cache folder (`root`). `AUGUR_SPIRV_CACHE=0` turns the cache off.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if environment["AUGUR_SPIRV_CACHE"] == "0" { return nil }
        return root(environment: environment)?.appending(path: "spirv")
    }

    /// Augur's cache folder: `AUGUR_CACHE_DIR`, else `$XDG_CACHE_HOME/augur`, else `~/.cache/augur`.
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let dir = environment["AUGUR_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appending(path: "augur") }
        if let home = environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home).appending(path: ".cache/augur") }
        return nil
    }

    public init(directory: URL? = SPIRVCache.defaultDirectory()) {
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
