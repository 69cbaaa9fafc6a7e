import Testing
import VulkanRuntime

@Suite("Vulkan device")
struct DeviceTests {
    @Test("The default device opens and reports its capabilities")
    func opens() throws {
        let device = try VulkanDevice.shared()
        let caps = device.capabilities
        #expect(!caps.name.isEmpty)
        #expect(caps.subgroupSize >= 1)
        #expect(caps.maxStorageBufferRange > 0)
        #expect(caps.description.contains("subgroup size"))
    }
}
