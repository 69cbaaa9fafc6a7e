import ArgumentParser
import Augur
import Foundation

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a model into the model folder (AUGUR_MODELS or ~/.cache/augur/models).",
        discussion: "Models: " + CatalogModel.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; "))

    @Argument(help: "Model name.")
    var name: String

    func run() throws {
        do {
            guard let model = CatalogModel.named(name) else {
                throw ModelStoreError.unknownModel(name, known: CatalogModel.all.map(\.name))
            }
            let store = try readEngineOptions().modelStore
            if let url = store.cached(model) {
                print(url.path)
                return
            }
            let url = try store.pull(model) { FileHandle.standardError.write(Data("augur: \($0)\n".utf8)) }
            print(url.path)
        } catch {
            throw fail(error)
        }
    }
}

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models in the model folder and the ones that can be pulled.")

    func run() throws {
        let store: ModelStore
        do {
            store = try readEngineOptions().modelStore
        } catch {
            throw fail(error)
        }
        print("model folder: \(store.directory.path)")
        for model in CatalogModel.all {
            let state = store.cached(model).map { "downloaded: \($0.path)" } ?? "not downloaded (augur pull \(model.name))"
            print("\(model.name)\t\(model.bytes / 1_048_576) MiB\t\(state)")
        }
    }
}
