import Foundation

/// Prompt text from bytes (stdin, files).
public enum Prompt {
    /// The bytes as UTF-8 text; invalid UTF-8 is an error, never replacement characters.
    public static func decode(_ data: Data) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else { throw GenerationError.invalidUTF8 }
        return text
    }
}
