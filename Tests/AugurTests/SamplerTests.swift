import Foundation
import Testing
import Augur

@Suite("Sampling")
struct SamplerTests {
    static func parameters(temperature: Float, topK: Int = 0, topP: Float = 1, minP: Float = 0, seed: UInt64 = 1) -> SamplingParameters {
        var p = SamplingParameters()
        (p.temperature, p.topK, p.topP, p.minP, p.seed) = (temperature, topK, topP, minP, seed)
        return p
    }

    @Test("Temperature 0 and top-k 1 pick the argmax, lowest id on ties")
    func greedy() {
        var greedy = Sampler(Self.parameters(temperature: 0))
        #expect(greedy.sample([0.1, 2, 2, -1], history: []) == 1)
        var topOne = Sampler(Self.parameters(temperature: 1.5, topK: 1))
        for _ in 0..<50 { #expect(topOne.sample([0.1, 2, 1.9, -1], history: []) == 1) }
    }

    @Test("Plain sampling at temperature 1 follows the softmax (20,000 draws, each frequency within 0.015)")
    func distribution() {
        var sampler = Sampler(Self.parameters(temperature: 1, seed: 7))
        let probabilities = [0.5, 0.3, 0.15, 0.05]
        let logits = probabilities.map { Float(log($0)) }
        var counts = [0, 0, 0, 0]
        for _ in 0..<20_000 { counts[sampler.sample(logits, history: [])] += 1 }
        for i in counts.indices { #expect(abs(Double(counts[i]) / 20_000 - probabilities[i]) < 0.015, "token \(i)") }
    }

    @Test("Top-p and min-p drop the unlikely tail; a seed repeats the draws")
    func filters() {
        let logits = [0.5, 0.3, 0.15, 0.05].map { Float(log($0)) }
        var nucleus = Sampler(Self.parameters(temperature: 1, topP: 0.75, seed: 3))
        var minimum = Sampler(Self.parameters(temperature: 1, minP: 0.4, seed: 3))
        for _ in 0..<2_000 {
            #expect(nucleus.sample(logits, history: []) < 2)   // 0.5 + 0.3 reaches 0.75
            #expect(minimum.sample(logits, history: []) < 2)   // 0.15 < 0.4 * 0.5
        }
        var a = Sampler(Self.parameters(temperature: 0.8, seed: 99)), b = Sampler(Self.parameters(temperature: 0.8, seed: 99))
        let draws = (0..<100).map { _ in a.sample(logits, history: []) }
        #expect(draws == (0..<100).map { _ in b.sample(logits, history: []) })
    }

    @Test("The repetition penalty lowers recently seen tokens")
    func repetition() {
        var p = Self.parameters(temperature: 0)
        p.repetitionPenalty = 1.5
        var sampler = Sampler(p)
        #expect(sampler.sample([3.0, 2.5, -1], history: [0]) == 1)
        #expect(sampler.sample([3.0, 2.5, -1], history: [2]) == 0)
    }

    @Test("Out-of-range parameters are rejected with a message")
    func validation() {
        var p = SamplingParameters()
        p.temperature = -1
        #expect(throws: GenerationError.invalidParameter("temperature must be >= 0")) { try p.validate() }
        p = SamplingParameters()
        p.minP = 1
        #expect(throws: GenerationError.invalidParameter("min-p must be in [0, 1)")) { try p.validate() }
    }
}
