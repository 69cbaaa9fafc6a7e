import Foundation
import GGUF
import Kernels
import Testing
@testable import Augur

@Suite("RMSNorm fused into the projections")
struct FusedNormTests {
    @Test("Fused and separate norms give the same predictions, logits within 1e-4 of their spread, on a tiny model", arguments: [TensorType.q8_0, .q4_K])
    func fusedMatchesSeparate(type: TensorType) throws {
        let random = TinyModels.wide(type)
        let path = try TinyModels.path(random, name: "fused-norm")
        let tokens = [257, 32, 99, 97, 116, 258, 40, 41]
        var logits: [[[Float]]] = []
        for fused in [false, true] {
            let model = try Model(path: path, fusesNorm: fused)
            #expect(model.kernels.fusesNorm == fused)
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

    @Test("With the norm fused, prefill in one batch and token by token give bit-identical logits")
    func fusedIsBatchInvariant() throws {
        let random = TinyModels.wide(.q4_K)
        let model = try Model(path: try TinyModels.path(random, name: "fused-norm"), fusesNorm: true)
        let tokens = [257, 32, 99, 97, 116, 258, 40, 41, 120, 121, 122]
        let all = try model.makeSession(context: 64).score(tokens, topK: 1)
        let stepwise = try model.makeSession(context: 64)
        for (i, token) in tokens.enumerated() {
            let prediction = try stepwise.evaluate([token], topK: 1)[0]
            #expect(prediction.top[0].logit.bitPattern == all.positions[i][0].logit.bitPattern, "position \(i)")
        }
    }

    @Test("AUGUR_NORM picks fused or separate, defaults by device kind, and rejects other values")
    func knob() throws {
        let capabilities = try KernelLibrary.shared().device.capabilities
        #expect(try KernelSet.fusesNorm(on: capabilities, environment: "fused"))
        #expect(try !KernelSet.fusesNorm(on: capabilities, environment: "separate"))
        #expect(try KernelSet.fusesNorm(on: capabilities, environment: nil) == (capabilities.kind != .cpu))
        #expect(throws: (any Error).self) { try KernelSet.fusesNorm(on: capabilities, environment: "both") }
    }
}
