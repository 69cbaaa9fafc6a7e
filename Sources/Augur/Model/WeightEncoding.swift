import GGUF
import Kernels
import VulkanRuntime

/// Narrower weights a model may be loaded with: every matrix wider than the type is requantized
/// to it at load. Lossy, so meant for draft models: a target verifies their proposals, so coarser
/// weights can cost acceptance but never change what is generated, and they cost fewer bytes (and
/// on lavapipe less time) per drafted token.
public enum WeightRequantization: String, Sendable, CaseIterable {
    /// 4.5 bits a weight: a scale per 32 (`Requantization.encodeQ4_0`).
    case q4_0
    /// 5 bits a weight: a scale and an offset per 32 (`Requantization.encodeQ4_1`).
    case q4_1

    var type: TensorType {
        switch self {
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        }
    }
}

/// How a model's GGUF matrices become device matrices: as stored, widened exactly where the
/// device reads a wider type faster (`WeightLayout.storage(for:on:)`), or requantized.
struct WeightEncoding {
    let library: KernelLibrary
    let requantization: WeightRequantization?

    /// The type a matrix of GGUF type `type` is stored as.
    func storage(of type: TensorType) -> TensorType {
        if let target = requantization?.type, Requantization.narrows(type, to: target) { return target }
        return WeightLayout.storage(for: type, on: library.device.capabilities)
    }

    /// Whether matrices of `type` are requantized (to `requantization`) rather than stored as they are or widened.
    func requantizes(_ type: TensorType) -> Bool {
        requantization.map { storage(of: type) == $0.type && type != $0.type } ?? false
    }

    /// `rows` rows of `columns` elements of GGUF type `type` (`bytes`) encoded as `storage(of: type)`.
    func encode(_ bytes: UnsafeRawBufferPointer, type: TensorType, rows: Int, columns: Int) throws -> [UInt8] {
        switch (type, storage(of: type)) {
        case let (from, to) where from == to: return Array(bytes)
        case (.q5_0, .q8_0): return try Widening.q8_0(fromQ5_0: bytes)
        case let (_, to) where requantizes(type):
            return try Requantization.encode(type, as: to, from: bytes, elements: rows * columns, rowElements: columns)
        case let (_, to): throw TensorTypeError.unsupported(to)
        }
    }

    /// Uploads rows of one type as a matrix stored as `storage(of: type)`.
    func matrix(_ bytes: UnsafeRawBufferPointer, type: TensorType, rows: Int, columns: Int) throws -> WeightMatrix {
        let stored = storage(of: type)
        if stored == type || requantization == nil {
            return try WeightMatrix(library: library, type: type, rows: rows, columns: columns, gguf: bytes, storedAs: stored)
        }
        return try WeightMatrix.upload(library: library, type: stored, rows: rows, columns: columns,
                                       gguf: encode(bytes, type: type, rows: rows, columns: columns))
    }
}
