import Foundation
import GGUF
import Kernels
import Testing
@testable import Augur

@Suite("RMSNorm and SwiGLU fused into the projections")
struct FusedPassTests {
    /// What is fused: the RMSNorms into the projections after them, or SwiGLU into the down projection.
    enum Fusion: String, CaseIterable, Sendable { case norm, swiglu }

    static func model(_ path: String, _ fusion: Fusion, fused: Bool) throws -> Model {
        let options = fusion == .norm ? EngineOptions(fusesNorm: fused, fusesSwiGLU: false) : EngineOptions(fusesNorm: false, fusesSwiGLU: fused)
        let model = try Model(path: path, options: options)
        #expect((fusion == .norm ? model.kernels.fusesNorm : model.kernels.fusesSwiGLU) == fused)
        return model
    }

    @Test("Fused and separate passes give the same predictions, logits within 1e-4 of their spread, on a tiny model",
          arguments: [TensorType.q8_0, .q4_K], Fusion.allCases)
    func fusedMatchesSeparate(type: TensorType, fusion: Fusion) throws {
        let random = TinyModels.wide(type)
        let path = try TinyModels.path(random, name: "fused-norm")
        let tokens = [257, 32, 99, 97, 116, 258, 40, 41]
        var logits: [[[Float]]] = []
        for fused in [false, true] {
            let model = try Self.model(path, fusion, fused: fused)
            let session = try model.makeSession(context: 32)
            var steps: [[Float]] = []
            for token in tokens {
                try session.evaluate([token])
                steps.append(try session.logits())
            }
            logits.append(steps)
        }
        for (i, (separate, fused)) in zip(logits[0], logits[1]).enumerated() {
            let spread = separate.max()! - separate.min()!
            let diff = zip(separate, fused).map { abs($0 - $1) }.max()!
            #expect(diff <= 1e-4 * spread, "position \(i): \(diff) of a spread of \(spread)")
            #expect(separate.indices.max { separate[$0] < separate[$1] } == fused.indices.max { fused[$0] < fused[$1] })
        }
    }

    @Test("Fused, prefill in one batch and token by token give bit-identical rows of logits", arguments: Fusion.allCases)
    func fusedIsBatchInvariant(fusion: Fusion) throws {
        let random = TinyModels.wide(.q4_K)
        let model = try Self.model(try TinyModels.path(random, name: "fused-norm"), fusion, fused: true)
        let tokens = [257, 32, 99, 97, 116, 258, 40, 41, 120, 121, 122]
        LogitRows.expectEqual(try LogitRows.of(model, tokens, chunk: 1), try LogitRows.of(model, tokens, chunk: tokens.count), "token by token")
    }

    @Test("AUGUR_NORM and AUGUR_SWIGLU pick fused or separate, and other values are an error that names them")
    func knobs() throws {
        for name in ["AUGUR_NORM", "AUGUR_SWIGLU"] {
            let read = { (value: String) in try EngineOptions(environment: [name: value]) }
            #expect(try read("fused") == EngineOptions(environment: [:]).with(name, true))
            #expect(try read("separate") == EngineOptions(environment: [:]).with(name, false))
            #expect(throws: ModelError.invalidOption(name: name, value: "both", reason: "use fused or separate")) { try read("both") }
        }
    }

    @Test("Unset, the norm is fused as the device prefers (GPUs, not CPU devices) and SwiGLU on every device")
    func defaults() throws {
        let model = try Model(path: try TinyModels.path(), options: EngineOptions(fusesNorm: nil, fusesSwiGLU: nil))
        #expect(model.kernels.fusesNorm == (model.kernels.library.device.capabilities.kind != .cpu))
        #expect(model.kernels.fusesSwiGLU)
    }
}

extension EngineOptions {
    /// These options with the fusion a knob names set.
    fileprivate func with(_ knob: String, _ fused: Bool) -> EngineOptions {
        var options = self
        if knob == "AUGUR_NORM" { options.fusesNorm = fused } else { options.fusesSwiGLU = fused }
        return options
    }
}
