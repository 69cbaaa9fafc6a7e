import Augur

// augur-embedding-example [MODEL] [PROMPT]: MODEL is a .gguf path or a catalog name (pulled on first use).
let arguments = Array(CommandLine.arguments.dropFirst())
let model = try Model(path: try ModelStore().resolve(arguments.first ?? "smollm2-135m").path)
var parameters = GenerationParameters(maxTokens: 64)
parameters.sampling.temperature = 0.7
parameters.sampling.seed = 7
parameters.speculation = Speculation(lookup: true)   // optional: the same distribution, fewer passes

let question = arguments.count > 1 ? arguments[1] : "Write a haiku about GPUs."
let prompt = try model.chatPrompt([ChatMessage(role: .user, content: question)])
var rounds = 0
for try await event in model.generate(prompt, parameters: parameters) {
    switch event {
    case .token(_, let text): print(text, terminator: "")
    case .round: rounds += 1   // one target pass verified (drafted, accepted) tokens
    case .finished(let stats): print("\n\(stats.tokens.count) tokens in \(rounds) rounds, \(stats.decodeTokensPerSecond) tokens/s")
    }
}
