import Augur
import Foundation
import TestSupport
import Testing

/// Finds a catalog model in the model folder. A missing model skips the test (counted and listed
/// at the end of the run), except under CI (CI=true), where `.ci/run` fetches them first and a
/// missing one is a failure.
enum ModelFiles {
    static func path(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let model = try #require(CatalogModel.named(name), "no catalog model \(name)")
        if let url = try EngineOptions(environment: ProcessInfo.processInfo.environment).modelStore.cached(model) { return url.path }
        try Skip.missing("model \(name) not downloaded (run `swift run augur pull \(name)`)", sourceLocation: sourceLocation)
    }
}
