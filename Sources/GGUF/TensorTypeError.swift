/// Errors raised when sizing, decoding or generating tensor data of a `TensorType`.
public enum TensorTypeError: Error, CustomStringConvertible, Equatable {
    /// A row length that is not a whole number of blocks of the type.
    case rowNotMultipleOfBlock(type: TensorType, elements: Int)
    /// An element or row count below zero.
    case negativeElementCount(Int)
    /// An operation this library does not implement for the type.
    case unsupported(TensorType)
    /// A source buffer shorter than the data it must hold.
    case bufferTooSmall(needed: Int, got: Int)

    public var description: String {
        switch self {
        case let .rowNotMultipleOfBlock(type, elements):
            "A row of \(elements) elements is not a whole number of \(type.name) blocks "
                + "(\(type.blockSize) elements each)."
        case let .negativeElementCount(count):
            "An element count of \(count) is negative."
        case let .unsupported(type):
            "The tensor type \(type.name) is not supported by this operation."
        case let .bufferTooSmall(needed, got):
            "The buffer holds \(got) bytes, but \(needed) bytes are needed."
        }
    }
}
