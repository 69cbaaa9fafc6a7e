import Augur
import Foundation
import Testing

/// Finds a catalog model in the model folder. Missing models skip the test with a note, except
/// under CI (CI=true), where `.ci/run` fetches them first and a missing one is a failure.
enum ModelFiles {
    static func path(_ name: String) -> String? {
        let model = CatalogModel.named(name)!
        if let url = ModelStore().cached(model) { return url.path }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("model \(name) missing under CI: .ci/run should have pulled it (augur pull \(name))")
        } else {
            print("skipping: model \(name) not downloaded (run `swift run augur pull \(name)`)")
        }
        return nil
    }
}
