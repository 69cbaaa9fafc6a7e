/// Errors raised when reading, validating or writing a GGUF file.
///
/// Every case carries enough context (path, offset, tensor or key name) for its
/// `description` to tell a user what is wrong with the file without a hex editor.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    /// No file exists at the path.
    case fileNotFound(path: String)
    /// The file exists but could not be opened, sized or mapped.
    case unreadable(path: String, reason: String)
    /// The file could not be created or written.
    case unwritable(path: String, reason: String)
    /// The file does not start with the magic bytes `GGUF`.
    case notGGUF(magic: [UInt8])
    /// The file is a big-endian GGUF file, which this reader does not support.
    case bigEndian
    /// The version field holds a version this reader does not support (only 2 and 3 are).
    case unsupportedVersion(UInt32)
    /// The file ended while reading `what` at `offset`.
    case truncated(reading: String, offset: Int, fileSize: Int)
    /// A string length larger than the bytes left in the file.
    case stringTooLong(length: UInt64, offset: Int, remaining: Int)
    /// An array length whose elements cannot fit in the bytes left in the file.
    case arrayTooLong(key: String, count: UInt64, offset: Int, remaining: Int)
    /// A tensor count whose tensor infos cannot fit in the bytes left in the file.
    case tooManyTensors(count: UInt64, remaining: Int)
    /// A metadata count whose key/value pairs cannot fit in the bytes left in the file.
    case tooManyMetadataEntries(count: UInt64, remaining: Int)
    /// A metadata value type id that GGUF does not define.
    case unknownValueType(key: String, type: UInt32, offset: Int)
    /// Arrays nested deeper than the reader allows.
    case arrayNestingTooDeep(key: String, depth: Int)
    /// The same metadata key appears twice.
    case duplicateKey(String)
    /// A tensor type id that is not a known ggml type.
    case unknownTensorType(tensor: String, type: UInt32)
    /// A tensor with no dimensions or more than four.
    case badDimensionCount(tensor: String, count: UInt32)
    /// A dimension that is zero or does not fit a signed 64-bit integer (negative in ggml).
    case badDimension(tensor: String, index: Int, value: UInt64)
    /// The tensor's element or byte count overflows a 64-bit integer.
    case sizeOverflow(tensor: String)
    /// The tensor's row length is not a whole number of blocks of its type.
    case partialBlock(tensor: String, type: TensorType, columns: Int)
    /// The tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// The tensor's data (`byteCount` bytes at `offset` in the data section) runs past
    /// the end of the file, whose data section holds `available` bytes.
    case tensorPastEnd(tensor: String, offset: UInt64, byteCount: Int, available: Int)
    /// Two tensors share a name.
    case duplicateTensor(String)
    /// `general.alignment` is not a positive power of two (or not an integer).
    case badAlignment(String)
    /// A key or string value that is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// A required metadata key is absent.
    case missingKey(String)
    /// A required metadata key holds a value of the wrong type.
    case wrongType(key: String, expected: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            "No file exists at \(path)."
        case let .unreadable(path, reason):
            "Cannot read \(path): \(reason)."
        case let .unwritable(path, reason):
            "Cannot write \(path): \(reason)."
        case let .notGGUF(magic):
            "Not a GGUF file: it starts with bytes \(hex(magic)), not 'GGUF' (47 47 55 46)."
        case .bigEndian:
            "This is a big-endian GGUF file; only little-endian files are supported."
        case let .unsupportedVersion(version):
            "GGUF version \(version) is not supported; only versions 2 and 3 are."
        case let .truncated(what, offset, size):
            "The file is truncated: reading \(what) at offset \(offset) runs past its end "
                + "(file size \(size) bytes)."
        case let .stringTooLong(length, offset, remaining):
            "A string at offset \(offset) claims \(length) bytes, but only \(remaining) remain."
        case let .arrayTooLong(key, count, offset, remaining):
            "The array '\(key)' at offset \(offset) claims \(count) elements, "
                + "which cannot fit in the \(remaining) bytes that remain."
        case let .tooManyTensors(count, remaining):
            "The header claims \(count) tensors, which cannot fit in the \(remaining) bytes that remain."
        case let .tooManyMetadataEntries(count, remaining):
            "The header claims \(count) metadata entries, "
                + "which cannot fit in the \(remaining) bytes that remain."
        case let .unknownValueType(key, type, offset):
            "The metadata value '\(key)' at offset \(offset) has unknown type id \(type)."
        case let .arrayNestingTooDeep(key, depth):
            "The metadata array '\(key)' nests arrays more than \(depth) deep."
        case let .duplicateKey(key):
            "The metadata key '\(key)' appears more than once."
        case let .unknownTensorType(tensor, type):
            "The tensor '\(tensor)' has unknown ggml type id \(type)."
        case let .badDimensionCount(tensor, count):
            "The tensor '\(tensor)' has \(count) dimensions; 1 to 4 are allowed."
        case let .badDimension(tensor, index, value):
            if value == 0 {
                "Dimension \(index) of tensor '\(tensor)' is zero."
            } else {
                "Dimension \(index) of tensor '\(tensor)' is \(value), which is negative "
                    + "or too large as a signed 64-bit integer."
            }
        case let .sizeOverflow(tensor):
            "The element or byte count of tensor '\(tensor)' overflows a 64-bit integer."
        case let .partialBlock(tensor, type, columns):
            "The tensor '\(tensor)' has rows of \(columns) elements, not a whole number of "
                + "\(type.name) blocks (\(type.blockSize) elements each)."
        case let .misalignedTensor(tensor, offset, alignment):
            "The data of tensor '\(tensor)' starts at offset \(offset), "
                + "not a multiple of the alignment \(alignment)."
        case let .tensorPastEnd(tensor, offset, byteCount, available):
            "The data of tensor '\(tensor)' (\(byteCount) bytes at data offset \(offset)) "
                + "runs past the end of the file, whose data section holds \(available) bytes."
        case let .duplicateTensor(name):
            "The tensor name '\(name)' appears more than once."
        case let .badAlignment(value):
            "general.alignment is \(value); it must be an integer power of two greater than zero."
        case let .invalidUTF8(offset):
            "The string at offset \(offset) is not valid UTF-8."
        case let .missingKey(key):
            "The metadata key '\(key)' is missing."
        case let .wrongType(key, expected):
            "The metadata key '\(key)' does not hold \(expected)."
        }
    }

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }
            .joined(separator: " ")
    }
}
