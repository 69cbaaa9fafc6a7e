import Foundation
import Kernels
import Testing
import VulkanRuntime

/// The float arithmetic of a SPIR-V module that a driver may fuse (a * b + c into one fma) or
/// reorder unless the instruction carries the NoContraction decoration (GLSL's `precise`).
struct FloatArithmetic {
    /// Opcodes of float adds, subtracts, multiplies, divides and products, by name.
    static let opcodes: [UInt32: String] = [
        129: "OpFAdd", 131: "OpFSub", 133: "OpFMul", 136: "OpFDiv", 142: "OpVectorTimesScalar",
        143: "OpMatrixTimesScalar", 144: "OpVectorTimesMatrix", 145: "OpMatrixTimesVector",
        146: "OpMatrixTimesMatrix", 148: "OpDot",
    ]
    static let opDecorate: UInt32 = 71, noContraction: UInt32 = 42
    static let opExtInstImport: UInt32 = 11, opExtInst: UInt32 = 12, glslFma: UInt32 = 50

    /// Every such instruction (GLSL.std.450 Fma too), as "name %id".
    private(set) var operations: [String] = []
    /// Those without NoContraction.
    private(set) var undecorated: [String] = []
    /// Whether the words parsed as a whole module.
    private(set) var wellFormed = true

    init(spirv words: [UInt32]) {
        var decorated: Set<UInt32> = [], glsl: Set<UInt32> = []
        var found: [(name: String, id: UInt32)] = []
        guard words.count >= 5, words[0] == 0x0723_0203 else { wellFormed = false; return }
        var at = 5  // after the header
        while at < words.count {
            let count = Int(words[at] >> 16), opcode = words[at] & 0xFFFF
            guard count > 0, at + count <= words.count else { wellFormed = false; break }
            let word = { (i: Int) in i < count ? words[at + i] : 0 }  // word i of this instruction
            switch opcode {
            case Self.opDecorate where word(2) == Self.noContraction:
                decorated.insert(word(1))
            case Self.opExtInstImport:
                let bytes = words[(at + 2)..<(at + count)].flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
                if String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) == "GLSL.std.450" { glsl.insert(word(1)) }
            case Self.opExtInst where glsl.contains(word(3)) && word(4) == Self.glslFma:
                found.append(("Fma", word(2)))
            default:
                if let name = Self.opcodes[opcode] { found.append((name, word(2))) }
            }
            at += count
        }
        operations = found.map { "\($0.name) %\($0.id)" }
        undecorated = found.filter { !decorated.contains($0.id) }.map { "\($0.name) %\($0.id)" }
    }
}

/// A driver may fuse a multiply into an add (or reorder them) in one pipeline and not in another:
/// different specialization constants or defines for different batch sizes would then give a token
/// different bits. `precise` forbids it, so every shader, with every set of defines the engine
/// compiles it with, must leave no float arithmetic without NoContraction.
@Suite("No float arithmetic is left for a driver to contract")
struct NoContractionTests {
    /// One shader, the define sets it is checked with, and whether it does float arithmetic at all.
    struct Case: CustomTestStringConvertible, Sendable {
        var shader: String
        var variants: [[String: String]]
        var arithmetic = true
        var name: String? = nil
        var testDescription: String { name.map { "\(shader) \($0)" } ?? shader }
    }

    /// Every weight layout the kernels read (these never throw).
    static let layouts: [WeightLayout] = try! WeightLayout.supportedTypes.map { try WeightLayout($0) } + [WeightLayout(.q4_0, ggufBytes: true)]

    /// The engine's define sets (Sources/Kernels): matvec once per weight layout, each form (residual
    /// with bias, RMSNorm input, SwiGLU input) read from storage and from texel buffers.
    static let cases: [Case] = layouts.map { layout in
        let texels = ["TEXEL_PLANES": "1", "TEXEL_INPUT": "1"].merging(layout.readsPlaneBInFours ? [:] : ["PLANE_B_WORDS": "1"]) { $1 }
        let forms = [["ACCUMULATE": "1", "BIAS": "1"], ["NORM_INPUT": "4"], ["SWIGLU_INPUT": "1", "ACCUMULATE": "1"]]
        let variants = forms.flatMap { form in [[:], texels].map { form.merging($0) { $1 }.merging([layout.define: "1"]) { $1 } } }
        return Case(shader: "matmul/matvec.comp", variants: variants, name: layout.define)
    } + [
        Case(shader: "embedding/get_rows.comp", variants: layouts.map { [$0.define: "1"] }),
        Case(shader: "attention/attention.comp", variants: [[:], ["ROPE": "1"], ["ROPE": "1", "ROPE_NEOX": "1"]]),
        Case(shader: "attention/kv_write.comp", variants: [[:], ["ROPE": "1"], ["ROPE": "1", "ROPE_NEOX": "1"]]),
        Case(shader: "rope/rope.comp", variants: [[:], ["NEOX": "1"]]),
        Case(shader: "norm/rmsnorm.comp", variants: [[:], ["TEXEL_INPUT": "1"]]),
        Case(shader: "vocab/softmax.comp", variants: [[:], ["ALIGNED": "1"]]),
        Case(shader: "vocab/argmax.comp", variants: [["NORMALIZER": "1"], ["ALIGNED": "1", "NORMALIZER": "1"]], name: "NORMALIZER"),
        Case(shader: "elementwise/elementwise.comp",
             variants: Elementwise.Operation.allCases.flatMap { [[$0.rawValue: "1"], [$0.rawValue: "1", "TEXEL_INPUT": "1"]] }),
        Case(shader: "vocab/argmax.comp", variants: [[:], ["ALIGNED": "1"]], arithmetic: false),
        Case(shader: "vocab/topk.comp", variants: [[:], ["ALIGNED": "1"]], arithmetic: false),
        Case(shader: "attention/kv_move.comp", variants: [[:]], arithmetic: false),
        Case(shader: "copy/copy.comp", variants: [[:], ["TEXEL_SOURCE": "1"]], arithmetic: false),
    ]

    /// The sources the engine compiles: `AUGUR_SHADER_DIR` when set, as `KernelLibrary` reads it.
    static func sources() throws -> [String: String] {
        try ProcessInfo.processInfo.environment["AUGUR_SHADER_DIR"].map { try KernelLibrary.sources(under: $0) } ?? KernelLibrary.shaderSources
    }

    @Test("Every float add, subtract, multiply, divide, dot product and fma of the compiled shaders carries NoContraction",
          arguments: cases)
    func everyOperationIsPrecise(_ c: Case) throws {
        let compiler = ShaderCompiler(sources: try Self.sources())
        var operations = 0
        for defines in c.variants {
            let label = "\(c.shader) \(defines.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"
            let arithmetic = FloatArithmetic(spirv: try compiler.compile(name: c.shader, defines: defines))
            #expect(arithmetic.wellFormed, "\(label): SPIR-V did not parse")
            #expect(arithmetic.undecorated.count == 0,
                    "\(label): \(arithmetic.undecorated.count) of \(arithmetic.operations.count) without NoContraction, e.g. \(arithmetic.undecorated.prefix(4))")
            operations += arithmetic.operations.count
        }
        // The check saw the arithmetic; shaders said to do none (no `precise` needed) really do none.
        #expect((operations > 0) == c.arithmetic, "\(c.shader): \(operations) float operations")
    }

    @Test("The check flags a multiply-add left to the driver, and fma(), which glslang cannot mark, even under precise")
    func checkCatchesContraction() throws {
        func undecorated(_ body: String) throws -> [String] {
            let source = """
                #version 450
                layout(local_size_x = 1) in;
                layout(std430, binding = 0) buffer B { float X[]; };
                void main() { \(body) X[0] = y; }
                """
            let words = try ShaderCompiler(sources: ["t.comp": source]).compile(name: "t.comp", defines: [:])
            return FloatArithmetic(spirv: words).undecorated
        }
        #expect(try !undecorated("float y = X[1] * X[2] + X[3];").isEmpty)
        #expect(try undecorated("precise float y = X[1] * X[2] + X[3];").isEmpty)
        // glslang leaves fma() and dot() unmarked, so the shaders write products and sums out; a
        // compiler that marks them fails here, and the shaders may use them again.
        #expect(try !undecorated("precise float y = fma(X[1], X[2], X[3]);").isEmpty)
        #expect(try !undecorated("precise float y = dot(vec2(X[1], X[2]), vec2(X[3], X[4]));").isEmpty)
    }
}
