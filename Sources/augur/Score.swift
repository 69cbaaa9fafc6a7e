import ArgumentParser
import Augur
import Foundation

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a token sequence teacher-forced and print each position's top logits and the perplexity.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Comma-separated token ids.")
    var tokens: String

    @Option(help: "Top logits per position (1-64).")
    var topK = 5

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        do {
            let ids = try tokens.split(separator: ",").map { part -> Int in
                guard let id = Int(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--tokens must be comma-separated integers, got \(part)")
                }
                return id
            }
            let loaded = try model.load(readEngineOptions(device: model.device))
            let session = try loaded.makeSession(context: model.context ?? max(ids.count, 16))
            let result = try session.score(ids, topK: topK)
            if json {
                let positions = result.positions.map { ["top": $0.map { ["id": Double($0.id), "logit": Double($0.logit)] }] }
                let object: [String: Any] = ["positions": positions, "perplexity": result.perplexity]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for (i, top) in result.positions.enumerated() {
                    print("\(i)\t" + top.map { "\($0.id):\(String(format: "%.3f", $0.logit))" }.joined(separator: " "))
                }
                print(String(format: "perplexity %.4f", result.perplexity))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
