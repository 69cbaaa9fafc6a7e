import ArgumentParser
import Augur
import Foundation

/// `--model PATH|NAME`, shared by the commands that load a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "A .gguf path or a model name (\(CatalogModel.all.map(\.name).joined(separator: ", "))); default: \(CatalogModel.defaultModel.name), pulled on first use.")
    var model: String = CatalogModel.defaultModel.name

    @Option(help: "Context length in tokens (default: enough for the request, at most the model's).")
    var context: Int?

    @Option(help: "Requantize the model's matrices wider than this type to it at load (lossy: q4_0 and q4_1 trade quality for bytes; meant for draft models, see --draft-quantization; default: none).")
    var requantize: DraftQuantization?

    func load() throws -> Model {
        let log: (String) -> Void = { FileHandle.standardError.write(Data("augur: \($0)\n".utf8)) }
        let path = try ModelStore().resolve(model, log: log)
        let progress = ProgressBar(title: "loading \(path.lastPathComponent)")
        defer { progress.finish() }
        return try Model(path: path.path, requantization: requantize?.requantization) { done, total in progress.update(done, of: total) }
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
