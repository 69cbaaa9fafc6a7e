import ArgumentParser
import Augur
import Foundation

/// The engine's options: the environment's settings (`EngineOptions(environment:)`; the process's
/// environment is read here and nowhere else), then the flags over them.
func readEngineOptions(device: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EngineOptions {
    var options = try EngineOptions(environment: environment)
    if let device { options.kernels.device = device }
    return options
}

/// `--model PATH|NAME`, shared by the commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "A .gguf path or a model name (\(CatalogModel.all.map(\.name).joined(separator: ", "))); default: \(CatalogModel.defaultModel.name), pulled on first use.")
    var model: String = CatalogModel.defaultModel.name

    @Option(help: "Context length in tokens (default: enough for the request, at most the model's).")
    var context: Int?

    @Option(help: "Requantize the model's matrices wider than this type to it at load (lossy: q4_0 and q4_1 trade quality for bytes; meant for draft models, see --draft-quantization; default: none).")
    var requantize: DraftQuantization?

    @Option(help: "The Vulkan device: an index or part of its name, as `augur info` lists them (default: AUGUR_DEVICE, else the best device).")
    var device: String?

    func validate() throws {
        if let context, context < 1 { throw ValidationError("--context must be at least 1") }
    }

    /// The model `--model` names, loaded with `options`.
    func load(_ options: EngineOptions) throws -> Model {
        let log: (String) -> Void = { FileHandle.standardError.write(Data("augur: \($0)\n".utf8)) }
        let path = try options.modelStore.resolve(model, log: log)
        let progress = ProgressBar(title: "loading \(path.lastPathComponent)")
        defer { progress.finish() }
        return try Model(path: path.path, options: options, requantization: requantize?.requantization) { done, total in
            progress.update(done, of: total)
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar {
    let title: String
    let enabled = isatty(2) != 0
    private var drawn = false

    init(title: String) { self.title = title }

    func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(title) [\(bar)] \(done)/\(total)".utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Routes Ctrl-C to a handler while alive, so generation stops cleanly and still reports.
final class Interrupt {
    private let source: DispatchSourceSignal

    init(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
    }

    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
