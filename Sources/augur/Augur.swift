import ArgumentParser
import Augur
import Foundation

@main
struct AugurCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur",
        abstract: "Runs GGUF language models on any Vulkan device.",
        subcommands: [Generate.self, Chat.self, Tokenize.self, Score.self, Bench.self, Info.self, Pull.self, Models.self])
}

/// Reports a failure the way every subcommand does: one clear line on stderr, exit status 1.
func fail(_ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("augur: \(error)\n".utf8))
    return ExitCode(1)
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a model (with --model) or the Vulkan devices.")

    @Option(help: "A .gguf path or a model name; without it, the device report.")
    var model: String?

    @Option(help: "The Vulkan device: an index or part of its name (default: AUGUR_DEVICE, else the best device).")
    var device: String?

    func run() throws {
        do {
            let options = try readEngineOptions(device: device)
            if let model {
                let path = try options.modelStore.resolve(model)
                print(try Model(path: path.path, options: options).summary)
                return
            }
            let devices = try Devices.all()
            let chosen = try Devices.chosen(options: options)
            for device in devices {
                print(device.description)
                if device.index == chosen.index { print("  (chosen; --device or AUGUR_DEVICE picks another by index or name)") }
            }
        } catch {
            throw fail(error)
        }
    }
}
