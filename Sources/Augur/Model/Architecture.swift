import Kernels

/// A model architecture: how its weights compose into a forward pass.
protocol Architecture: SendableMetatype {
    /// `general.architecture` values it runs.
    static var names: [String] { get }
    static var ropeLayout: Rope.Layout { get }
    /// Records the batch's forward pass through `layers`, ending with the logits of its last
    /// `logitRows` tokens (none when 0). Starting past layer 0 continues from the hidden states
    /// already in `x` (early exit: the first layers ran in an earlier pass).
    static func forward(_ f: ForwardPass, weights: ModelWeights, layers: Range<Int>, logitRows: Int) throws
}

/// Every architecture Augur runs: adding one is a file and a line here.
enum Architectures {
    static let all: [any Architecture.Type] = [Llama.self, Qwen2.self]

    static func named(_ name: String) throws -> any Architecture.Type {
        guard let found = all.first(where: { $0.names.contains(name) }) else {
            throw ModelError.unsupportedArchitecture(name, supported: all.flatMap { $0.names })
        }
        return found
    }
}
