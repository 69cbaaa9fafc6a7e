import GGUF
import Kernels
import Testing
import VulkanRuntime

@Suite("Weight layout repacking")
struct WeightLayoutTests {
    static let layouts = WeightLayout.supportedTypes.map { try! WeightLayout($0) } + [try! WeightLayout(.q4_0, ggufBytes: true)]

    /// Planes repacked into memory filled with `fill`.
    static func repacked(_ layout: WeightLayout, _ gguf: [UInt8], rows: Int, columns: Int, fill: UInt8) throws -> [UInt8] {
        let (aBytes, bBytes) = layout.planeBytes(rows: rows, columns: columns)
        var a = [UInt8](repeating: fill, count: aBytes), b = [UInt8](repeating: fill, count: bBytes)
        try gguf.withUnsafeBytes { source in
            try a.withUnsafeMutableBytes { aOut in
                try b.withUnsafeMutableBytes { bOut in try layout.repack(source, rows: rows, columns: columns, a: aOut, b: bOut) }
            }
        }
        return a + b
    }

    @Test("Repacking in place writes every byte of both planes, as the copying form does, for every type", arguments: layouts)
    func inPlaceWritesEveryByte(layout: WeightLayout) throws {
        for (rows, columns) in [(37, 512), (1, 256), (0, 256)] {
            let gguf = try SyntheticTensor.randomBytes(type: layout.type, rows: rows, columns: columns, seed: 7)
            let zeros = try Self.repacked(layout, gguf, rows: rows, columns: columns, fill: 0)
            let ones = try Self.repacked(layout, gguf, rows: rows, columns: columns, fill: 0xFF)
            #expect(zeros == ones, "\(layout.type) \(rows)x\(columns)")
            let copied = try gguf.withUnsafeBytes { try layout.repack($0, rows: rows, columns: columns) }
            #expect(copied.a + copied.b == zeros, "\(layout.type) \(rows)x\(columns)")
        }
    }

    @Test("Planes too small for the rows are an error, not a write past them")
    func planesTooSmall() throws {
        let layout = try WeightLayout(.q4_K)
        let gguf = try SyntheticTensor.randomBytes(type: .q4_K, rows: 2, columns: 256, seed: 1)
        var a = [UInt8](repeating: 0, count: 16), b = [UInt8](repeating: 0, count: 1024)
        #expect(throws: TensorTypeError.self) {
            try gguf.withUnsafeBytes { source in
                try a.withUnsafeMutableBytes { aOut in
                    try b.withUnsafeMutableBytes { try layout.repack(source, rows: 2, columns: 256, a: aOut, b: $0) }
                }
            }
        }
    }
}
