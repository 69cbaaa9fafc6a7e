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

    func run() throws {
        do {
            if let model {
                let path = try ModelStore().resolve(model)
                print(try Model(path: path.path).summary)
                return
            }
            let devices = try Devices.all()
            let chosen = try Devices.chosen()
            for device in devices {
                print(device.description)
                if device.index == chosen.index { print("  (chosen; set AUGUR_DEVICE to an index or name to pick another)") }
            }
        } catch {
            throw fail(error)
        }
    }
}
