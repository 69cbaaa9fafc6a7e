import Foundation
import Kernels
import Testing
import VulkanRuntime
@testable import Augur

@Suite("Pass preparation")
struct PassPreparationTests {
    @Test("A pass's matvec pipelines are all made, several at once, before it is recorded")
    func matvecsBeforeRecording() throws {
        // A library of its own: other tests create pipelines in the shared one meanwhile.
        let library = try KernelLibrary(device: try VulkanDevice.shared(), options: KernelOptions(spirvCacheDirectory: nil))
        let model = try Model(path: try TinyModels.path(), library: library)
        let session = try model.makeSession(context: 64)
        try session.evaluate([257, 32])  // every other kernel, and the matvecs of 2 and 1 columns
        let created = { library.pipelines.statistics.pipelinesCreated }
        let before = created()
        try model.preparePass(tokens: 5, logitRows: 5)
        let (body, head) = model.matVecVariants
        #expect(created() == before + Set(body + [head]).count)
        try model.preparePass(tokens: 5, logitRows: 5)
        _ = try session.evaluate(tree: [99, 97, 116, 32, 99], parents: [-1, 0, 0, 1, 3])
        #expect(created() == before + Set(body + [head]).count)
    }
}
