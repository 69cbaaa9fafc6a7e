import Foundation

/// How the kernels run: on which device, from which shader sources, with which SPIR-V cache and
/// tuning overrides. The library reads no environment; executables fill this from their flags and
/// `init(environment:)` and pass it down (`KernelLibrary.shared(options:)`).
public struct KernelOptions: Hashable, Sendable {
    /// The device to open: an index or a case-insensitive substring of its name; nil: the best kind.
    public var device: String?
    /// A folder whose shader files replace the embedded sources (kernel work without a rebuild).
    public var shaderDirectory: String?
    /// Where compiled SPIR-V is kept between runs; nil: not kept.
    public var spirvCacheDirectory: URL?
    /// Changes to the device's preferred matvec and attention configurations.
    public var matVec: MatVec.Overrides
    public var attention: Attention.Overrides

    /// The defaults: the best device, the embedded shaders, SPIR-V kept in `spirv/` of
    /// `standardCacheFolder`, each kernel as the device prefers.
    public init(device: String? = nil, shaderDirectory: String? = nil,
                spirvCacheDirectory: URL? = KernelOptions.standardCacheFolder.appending(path: "spirv"),
                matVec: MatVec.Overrides = MatVec.Overrides(), attention: Attention.Overrides = Attention.Overrides()) {
        (self.device, self.shaderDirectory, self.spirvCacheDirectory) = (device, shaderDirectory, spirvCacheDirectory)
        (self.matVec, self.attention) = (matVec, attention)
    }

    /// `~/.cache/augur`, Augur's cache folder when no environment names another.
    public static var standardCacheFolder: URL {
        FileManager.default.homeDirectoryForCurrentUser.appending(path: ".cache/augur")
    }

    /// The options an environment sets (executables pass theirs; tests a dictionary):
    /// `AUGUR_DEVICE`, `AUGUR_SHADER_DIR`, `AUGUR_MATVEC` (e.g. `lanes=16,rows=4`), `AUGUR_ATTENTION`
    /// (e.g. `slots=16`), `AUGUR_SPIRV_CACHE=0` (no SPIR-V cache) and the cache folder
    /// (`cacheFolder(environment:)`). A value that cannot be read is an error that names it.
    public init(environment: [String: String]) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func parse<T>(_ name: String, _ read: (String) throws -> T) throws -> T? {
            guard let text = value(name) else { return nil }
            do {
                return try read(text)
            } catch KernelError.invalidArgument(let reason) {
                throw KernelError.invalidOption(name: name, value: text, reason: reason)
            }
        }
        let spirv: URL?
        switch value("AUGUR_SPIRV_CACHE") {
        case nil, "1": spirv = Self.cacheFolder(environment: environment)?.appending(path: "spirv")
        case "0": spirv = nil
        case let other?: throw KernelError.invalidOption(name: "AUGUR_SPIRV_CACHE", value: other, reason: "use 0 (off) or 1 (on)")
        }
        self.init(device: value("AUGUR_DEVICE"), shaderDirectory: value("AUGUR_SHADER_DIR"), spirvCacheDirectory: spirv,
                  matVec: try parse("AUGUR_MATVEC", MatVec.Overrides.init(parsing:)) ?? MatVec.Overrides(),
                  attention: try parse("AUGUR_ATTENTION", Attention.Overrides.init(parsing:)) ?? Attention.Overrides())
    }

    /// Augur's cache folder in an environment: `AUGUR_CACHE_DIR`, else `$XDG_CACHE_HOME/augur`,
    /// else `$HOME/.cache/augur`; nil without any of them.
    public static func cacheFolder(environment: [String: String]) -> URL? {
        if let dir = environment["AUGUR_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg).appending(path: "augur") }
        if let home = environment["HOME"], !home.isEmpty { return URL(fileURLWithPath: home).appending(path: ".cache/augur") }
        return nil
    }
}
