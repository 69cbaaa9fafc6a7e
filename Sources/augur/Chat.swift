import ArgumentParser
import Augur
import Foundation

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chat with a model: each line you type is a user turn; an empty line or end of input quits.")

    @OptionGroup var model: ModelOptions

    @Option(help: "The most tokens per reply.")
    var maxTokens = 256

    @Option(help: "Sampling temperature (0: greedy).")
    var temperature: Float = 0

    @Option(help: "An optional system message.")
    var system: String?

    @OptionGroup(title: "Speculative decoding (the replies equal plain decoding's)") var speculation: SpeculationOptions

    func run() throws {
        do {
            let options = try readEngineOptions(device: model.device)
            let loaded = try model.load(options)
            let session = try loaded.makeSession(context: model.context)
            // One drafter for the whole conversation: a draft model keeps its cache of the turns so far.
            let speculative = try speculation.speculation(options)
            var drafter = try speculative.map { try loaded.drafter(for: $0) }
            var history: [ChatMessage] = system.map { [ChatMessage(role: .system, content: $0)] } ?? []
            var parameters = GenerationParameters(maxTokens: maxTokens)
            parameters.sampling.temperature = temperature
            let interactive = isatty(0) != 0
            while true {
                if interactive { FileHandle.standardOutput.write(Data("> ".utf8)) }
                guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else { break }
                history.append(ChatMessage(role: .user, content: line))
                // The whole conversation is re-formatted; the cached prefix is kept and only new tokens run.
                let ids = loaded.tokenize(try loaded.chatPrompt(history))
                let shared = zip(ids, session.tokens).prefix { $0 == $1 }.count
                session.truncate(to: min(shared, ids.count - 1))
                let cancelled = CancellationFlag()
                let interrupt = Interrupt { cancelled.set() }
                let turn = Array(ids[session.tokens.count...])
                let show = { (event: GenerationEvent) in
                    if case .token(_, let piece) = event { FileHandle.standardOutput.write(Data(piece.utf8)) }
                }
                let stats = if let speculative {
                    try loaded.runSpeculativeGeneration(turn, parameters: parameters, drafter: &drafter!, shape: speculative.shape,
                                                        adaptive: speculative.adaptive, session: session, cancelled: cancelled, emit: show).0
                } else {
                    try loaded.runGeneration(turn, parameters: parameters, session: session, cancelled: cancelled, emit: show)
                }
                interrupt.restore()
                print()
                let reply = loaded.tokenizer.decode(stats.tokens.filter { !loaded.tokenizer.isEndOfGeneration($0) })
                history.append(ChatMessage(role: .assistant, content: reply))
                let speed = String(format: "%.2f tokens/s", stats.decodeTokensPerSecond)
                let rounds = stats.speculative.map { ", " + $0.summary } ?? ""
                FileHandle.standardError.write(Data("[\(stats.tokens.count) tokens, \(speed)\(rounds)]\n".utf8))
            }
        } catch {
            throw fail(error)
        }
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the token ids (and pieces) of a text, with the same BOS and special-token rules as prompts.")

    @Argument(help: "The text; read from stdin when omitted.")
    var text: String?

    @Option(help: "A .gguf path or a model name.")
    var model: String = CatalogModel.defaultModel.name

    @Flag(help: "Print JSON: {\"tokens\": [...]}.")
    var json = false

    func run() throws {
        do {
            let input = try text ?? readStandardInput()
            let path = try readEngineOptions().modelStore.resolve(model)
            let tokenizer = try Model.tokenizer(path: path.path)
            let ids = tokenizer.encode(input, addSpecial: true, parseSpecial: true)
            if json {
                print("{\"tokens\":[\(ids.map(String.init).joined(separator: ","))]}")
            } else {
                for id in ids {
                    let piece = String(decoding: tokenizer.piece(id), as: UTF8.self)
                    print("\(id)\t\(piece.debugDescription)")
                }
            }
        } catch {
            throw fail(error)
        }
    }
}
