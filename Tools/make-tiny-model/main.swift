// Writes a tiny llama-architecture GGUF model with random weights.
// Usage: make-tiny-model OUTPUT.gguf [--seed N] [--layers N] [--hidden N] [--feed-forward N]
//        [--heads N] [--kv-heads N] [--vocabulary N] [--context N] [--type q8_0|q4_k|...] [--output-type T]
// The shape options make random models of a real model's size, for timing on a device without a download.
import Foundation
import GGUF

let usage = """
    usage: make-tiny-model OUTPUT.gguf [--seed N] [--layers N] [--hidden N] [--feed-forward N] \
    [--heads N] [--kv-heads N] [--vocabulary N] [--context N] [--type T] [--output-type T]
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("make-tiny-model: \(message)\n".utf8))
    exit(2)
}

func positive(_ option: String, _ value: String) -> Int {
    guard let n = Int(value), n > 0 else { fail("\(option) takes a positive integer") }
    return n
}

func tensorType(_ value: String) -> TensorType {
    guard let type = TensorType.allCases.first(where: { $0.name == value }) else { fail("unknown type \(value)") }
    return type
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
            case "--layers": model.layers = positive(argument, value)
            case "--hidden":
                guard let n = Int(value), n > 0, n % 32 == 0 else { fail("--hidden takes a multiple of 32") }
                model.hidden = n
            case "--feed-forward": model.feedForward = positive(argument, value)
            case "--heads": model.heads = positive(argument, value)
            case "--kv-heads": model.kvHeads = positive(argument, value)
            case "--vocabulary": model.vocabularySize = positive(argument, value)
            case "--context": model.contextLength = positive(argument, value)
            case "--type": model.weightType = tensorType(value)
            case "--output-type": model.outputType = tensorType(value)
            default:
                fail(usage)
            }
        } else {
            guard output == nil else { fail(usage) }
            output = argument
        }
    }
    guard let output else { fail(usage) }
    guard model.hidden % model.heads == 0, model.heads % model.kvHeads == 0 else {
        fail("--heads must divide --hidden and be a multiple of --kv-heads")
    }
    return (model, output)
}

let (model, output) = parse(Array(CommandLine.arguments.dropFirst()))
do {
    try model.writer().write(to: output)
    print(output)
} catch {
    fail("\(error)")
}
