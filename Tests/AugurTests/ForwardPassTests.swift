import Foundation
import Kernels
import Testing
@testable import Augur

@Suite("Forward pass on real models", .serialized)
struct ForwardPassTests {
    @Test("SmolLM2's GPU logits match a CPU reference forward pass, the norm and SwiGLU run as passes or fused",
          arguments: ["smollm2-135m"], [false, true])
    func matchesCPUReference(name: String, fused: Bool) throws {
        let path = try ModelFiles.path(name)
        let model = try Model(path: path, options: EngineOptions(fusesNorm: fused, fusesSwiGLU: fused))
        let reference = try CPUReferenceModel(path: path)
        let tokens = [504, 3575, 282, 4649, 314, 7042]
        let session = try model.makeSession(context: 64)
        var worst: Float = 0
        for (i, token) in tokens.enumerated() {
            try session.evaluate([token])
            let got = try session.logits()
            let want = reference.step(token)
            let diff = zip(got, want).map { abs($0 - $1) }.max()!
            worst = max(worst, diff)
            print("position \(i): largest logit difference \(diff)")
        }
        // fp32 GPU sums against double CPU sums over 30 layers: observed about 1e-3.
        #expect(worst < 2e-2)
    }
}
