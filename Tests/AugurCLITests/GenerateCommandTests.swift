import Foundation
import Testing
@testable import Augur
@testable import augur

@Suite("augur generate")
struct GenerateCommandTests {
    @Test("--device overrides AUGUR_DEVICE, and a bad setting in the environment is an error")
    func deviceFlag() throws {
        #expect(try readEngineOptions(device: "2", environment: ["AUGUR_DEVICE": "1"]).kernels.device == "2")
        #expect(try readEngineOptions(environment: ["AUGUR_DEVICE": "1"]).kernels.device == "1")
        #expect(throws: ModelError.self) { try readEngineOptions(environment: ["AUGUR_NORM": "maybe"]) }
    }
}
