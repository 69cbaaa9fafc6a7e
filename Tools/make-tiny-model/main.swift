// Writes a tiny llama-architecture GGUF model with random weights.
// Usage: make-tiny-model OUTPUT.gguf [--seed N] [--layers N] [--hidden N] [--type q8_0|q4_k|...]
import Foundation
import GGUF

let usage = "usage: make-tiny-model OUTPUT.gguf [--seed N] [--layers N] [--hidden N] [--type T]"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("make-tiny-model: \(message)\n".utf8))
    exit(2)
}

func parse(_ arguments: [String]) -> (RandomModel, String) {
    var model = RandomModel()
    var output: String?
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        if argument.hasPrefix("--") {
            guard let value = rest.popFirst() else { fail("\(argument) needs a value") }
            switch argument {
            case "--seed":
                guard let n = UInt64(value) else { fail("--seed takes an integer") }
                model.seed = n
            case "--layers":
                guard let n = Int(value), n > 0 else { fail("--layers takes a positive integer") }
                model.layers = n
            case "--hidden":
                guard let n = Int(value), n > 0, n % 32 == 0 else { fail("--hidden takes a multiple of 32") }
                model.hidden = n
            case "--type":
                guard let type = TensorType.allCases.first(where: { $0.name == value }) else { fail("unknown type \(value)") }
                model.weightType = type
            default:
                fail(usage)
            }
        } else {
            guard output == nil else { fail(usage) }
            output = argument
        }
    }
    guard let output else { fail(usage) }
    return (model, output)
}

let (model, output) = parse(Array(CommandLine.arguments.dropFirst()))
do {
    try model.writer().write(to: output)
    print(output)
} catch {
    fail("\(error)")
}
