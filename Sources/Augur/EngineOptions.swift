@_exported import struct Kernels.KernelOptions
import Foundation
import Kernels

/// How the engine is set up: the kernels' options, where models and requantized copies live, and
/// which fused forms the forward pass uses. The library reads no environment: the executables fill
/// this from their flags and `init(environment:)` once and pass it down (`Model(path:options:)`).
public struct EngineOptions: Hashable, Sendable {
    public var kernels: KernelOptions
    /// The folder of downloaded models (`ModelStore`).
    public var modelDirectory: URL
    /// Where requantized copies of draft models are kept (`RequantizationCache`); nil: none kept.
    public var requantizationCacheDirectory: URL?
    /// Whether projections normalise their input as they read it; nil: as the device prefers.
    public var fusesNorm: Bool?
    /// Whether the down projection forms SwiGLU as it reads its input; nil: as the device prefers.
    public var fusesSwiGLU: Bool?

    /// The defaults: `KernelOptions()`, models in `ModelStore.standardDirectory`, requantized
    /// copies in `requantized/` of Augur's cache folder, fused forms as the device prefers.
    public init(kernels: KernelOptions = KernelOptions(), modelDirectory: URL = ModelStore.standardDirectory,
                requantizationCacheDirectory: URL? = KernelOptions.standardCacheFolder.appending(path: "requantized"),
                fusesNorm: Bool? = nil, fusesSwiGLU: Bool? = nil) {
        (self.kernels, self.modelDirectory, self.requantizationCacheDirectory) = (kernels, modelDirectory, requantizationCacheDirectory)
        (self.fusesNorm, self.fusesSwiGLU) = (fusesNorm, fusesSwiGLU)
    }

    /// The options an environment sets (executables pass theirs; tests a dictionary): the kernels'
    /// (`KernelOptions(environment:)`), `AUGUR_MODELS` (the model folder, else `$HOME/.cache/augur/models`),
    /// `AUGUR_REQUANTIZATION_CACHE=0` (keep no requantized copies), `AUGUR_NORM` and `AUGUR_SWIGLU`
    /// (`fused` or `separate`). A value that cannot be read is a `ModelError.invalidOption`.
    public init(environment: [String: String]) throws {
        let kernels: KernelOptions
        do {
            kernels = try KernelOptions(environment: environment)
        } catch KernelError.invalidOption(let name, let value, let reason) {
            throw ModelError.invalidOption(name: name, value: value, reason: reason)
        }
        let models = environment["AUGUR_MODELS"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSTemporaryDirectory()).appending(path: ".cache/augur/models")
        let requantized: URL?
        switch environment["AUGUR_REQUANTIZATION_CACHE"] {
        case nil, "", "1": requantized = KernelOptions.cacheFolder(environment: environment)?.appending(path: "requantized")
        case "0": requantized = nil
        case let other?: throw ModelError.invalidOption(name: "AUGUR_REQUANTIZATION_CACHE", value: other, reason: "use 0 (off) or 1 (on)")
        }
        self.init(kernels: kernels, modelDirectory: models, requantizationCacheDirectory: requantized,
                  fusesNorm: try Self.fusion("AUGUR_NORM", environment), fusesSwiGLU: try Self.fusion("AUGUR_SWIGLU", environment))
    }

    /// The model folder.
    public var modelStore: ModelStore { ModelStore(directory: modelDirectory) }

    /// `fused` (true), `separate` (false) or unset (nil).
    static func fusion(_ name: String, _ environment: [String: String]) throws -> Bool? {
        switch environment[name] {
        case nil, "": nil
        case "fused": true
        case "separate": false
        case let other?: throw ModelError.invalidOption(name: name, value: other, reason: "use fused or separate")
        }
    }
}
