import CVulkan
import Foundation

/// A logical Vulkan device with one compute queue. Owns the instance; everything created on it
/// (buffers, pipelines, command sequences) keeps it alive.
public final class VulkanDevice: @unchecked Sendable {
    public let capabilities: DeviceCapabilities
    let instance: OpaquePointer
    let physical: OpaquePointer
    let handle: OpaquePointer
    let queue: OpaquePointer
    let queueFamily: UInt32
    let memoryProperties: VkPhysicalDeviceMemoryProperties
    let cmdPushDescriptorSet: PFN_vkCmdPushDescriptorSetKHR
    /// vkQueueSubmit needs external synchronisation.
    let queueLock = NSLock()
    public private(set) lazy var allocator = MemoryAllocator(device: self)

    /// Lists every Vulkan device on the machine, in enumeration order.
    public static func available() throws -> [DeviceCapabilities] {
        let instance = try createInstance()
        defer { vkDestroyInstance(instance, nil) }
        return try physicalDevices(instance).enumerated().map { PhysicalDeviceProbe($0.element, index: $0.offset).capabilities }
    }

    /// Opens the best device: discrete GPU over integrated over virtual over CPU, or the one
    /// `selector` picks by index or by a case-insensitive substring of its name.
    public init(selector: String? = nil) throws {
        let instance = try Self.createInstance()
        do {
            let probes = try Self.physicalDevices(instance).enumerated().map { PhysicalDeviceProbe($0.element, index: $0.offset) }
            var probe = try Self.choose(probes, selector: selector)
            guard let family = probe.computeQueueFamily else {
                throw VulkanError.noComputeQueue(device: probe.capabilities.name)
            }
            guard probe.capabilities.pushDescriptors else {
                throw VulkanError.missingFeature("VK_KHR_push_descriptor on \(probe.capabilities.name)")
            }
            guard probe.capabilities.subgroupArithmetic, probe.capabilities.subgroupShuffle, probe.capabilities.subgroupBallot else {
                throw VulkanError.missingFeature("subgroup arithmetic, shuffle and ballot operations on \(probe.capabilities.name)")
            }
            handle = try Self.createDevice(&probe, family: family)
            var queue: OpaquePointer?
            vkGetDeviceQueue(handle, family, 0, &queue)
            guard let queue, let push = vkGetDeviceProcAddr(handle, "vkCmdPushDescriptorSetKHR") else {
                vkDestroyDevice(handle, nil)
                throw VulkanError.missingFeature("vkCmdPushDescriptorSetKHR entry point")
            }
            var memory = VkPhysicalDeviceMemoryProperties()
            vkGetPhysicalDeviceMemoryProperties(probe.handle, &memory)
            self.instance = instance
            self.physical = probe.handle
            self.queue = queue
            self.queueFamily = family
            self.memoryProperties = memory
            self.capabilities = probe.capabilities
            self.cmdPushDescriptorSet = unsafeBitCast(push, to: PFN_vkCmdPushDescriptorSetKHR.self)
        } catch {
            vkDestroyInstance(instance, nil)
            throw error
        }
    }

    deinit {
        vkDeviceWaitIdle(handle)
        allocator.releaseAll()
        vkDestroyDevice(handle, nil)
        vkDestroyInstance(instance, nil)
    }

    /// Waits until the device has finished all submitted work.
    public func waitIdle() {
        queueLock.lock()
        defer { queueLock.unlock() }
        vkDeviceWaitIdle(handle)
    }

    static func choose(_ probes: [PhysicalDeviceProbe], selector: String?) throws -> PhysicalDeviceProbe {
        probes[try choose(among: probes.map(\.capabilities), selector: selector)]
    }

    /// Which device to open: the one `selector` names (index or name substring), else the highest
    /// ranked kind, the first of equals.
    public static func choose(among devices: [DeviceCapabilities], selector: String?) throws -> Int {
        guard !devices.isEmpty else { throw VulkanError.noDevice("the Vulkan loader reports no physical device") }
        if let selector = selector?.trimmingCharacters(in: .whitespaces), !selector.isEmpty {
            if let index = Int(selector), devices.indices.contains(index) { return index }
            if let match = devices.firstIndex(where: { $0.name.lowercased().contains(selector.lowercased()) }) {
                return match
            }
            throw VulkanError.deviceNotFound(selector: selector, available: devices.map(\.name))
        }
        var best = 0
        for i in devices.indices where devices[i].kind.rank > devices[best].kind.rank { best = i }
        return best
    }

    static func createInstance() throws -> OpaquePointer {
        var app = VkApplicationInfo()
        app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
        app.apiVersion = (1 << 22) | (2 << 12)
        var instance: OpaquePointer?
        let result: VkResult = "Augur".withCString { name in
            app.pApplicationName = name
            app.pEngineName = name
            return withUnsafePointer(to: &app) { appPointer in
                var info = VkInstanceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                info.pApplicationInfo = appPointer
                return vkCreateInstance(&info, nil, &instance)
            }
        }
        if result == VK_ERROR_INCOMPATIBLE_DRIVER || result == VK_ERROR_INITIALIZATION_FAILED {
            throw VulkanError.noDevice("vkCreateInstance returned \(result.rawValue)")
        }
        try check(result, "vkCreateInstance")
        guard let instance else { throw VulkanError.loaderUnavailable("vkCreateInstance returned no instance") }
        return instance
    }

    static func physicalDevices(_ instance: OpaquePointer) throws -> [OpaquePointer] {
        var count: UInt32 = 0
        try check(vkEnumeratePhysicalDevices(instance, &count, nil), "vkEnumeratePhysicalDevices")
        var handles = [OpaquePointer?](repeating: nil, count: Int(count))
        try check(vkEnumeratePhysicalDevices(instance, &count, &handles), "vkEnumeratePhysicalDevices")
        return handles.prefix(Int(count)).compactMap { $0 }
    }

    /// Creates the logical device, enabling every supported optional feature the kernels may use.
    static func createDevice(_ probe: inout PhysicalDeviceProbe, family: UInt32) throws -> OpaquePointer {
        var priority: Float = 1
        var queueInfo = VkDeviceQueueCreateInfo()
        queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
        queueInfo.queueFamilyIndex = family
        queueInfo.queueCount = 1
        var features2 = VkPhysicalDeviceFeatures2()
        features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
        features2.features = probe.features
        features2.features.robustBufferAccess = 0  // bounds checks cost time; kernels check their own bounds
        let api13 = probe.capabilities.apiVersion >= PhysicalDeviceProbe.version13
        var extensionNames = ["VK_KHR_push_descriptor"]
        if !api13 && probe.extensions.contains("VK_EXT_subgroup_size_control") {
            extensionNames.append("VK_EXT_subgroup_size_control")
        }
        let cNames = extensionNames.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var device: OpaquePointer?
        let result = withUnsafeMutablePointer(to: &probe.features11) { p11 in
            withUnsafeMutablePointer(to: &probe.features12) { p12 in
                withUnsafeMutablePointer(to: &probe.features13) { p13 in
                    p11.pointee.pNext = UnsafeMutableRawPointer(p12)
                    p12.pointee.pNext = api13 ? UnsafeMutableRawPointer(p13) : nil
                    p13.pointee.pNext = nil
                    features2.pNext = UnsafeMutableRawPointer(p11)
                    return withUnsafePointer(to: &priority) { priorityPointer in
                        queueInfo.pQueuePriorities = priorityPointer
                        return withUnsafePointer(to: &queueInfo) { queuePointer in
                            withUnsafePointer(to: &features2) { featuresPointer in
                                cNames.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
                                    var info = VkDeviceCreateInfo()
                                    info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                                    info.pNext = UnsafeRawPointer(featuresPointer)
                                    info.queueCreateInfoCount = 1
                                    info.pQueueCreateInfos = queuePointer
                                    info.enabledExtensionCount = UInt32(names.count)
                                    info.ppEnabledExtensionNames = names.baseAddress
                                    return vkCreateDevice(probe.handle, &info, nil, &device)
                                }
                            }
                        }
                    }
                }
            }
        }
        try check(result, "vkCreateDevice")
        guard let device else { throw VulkanError.noDevice("vkCreateDevice returned no device") }
        return device
    }

    /// Index of a memory type allowed by `bits` that has all `required` flags, preferring `preferred` ones.
    func memoryType(bits: UInt32, required: UInt32, preferred: UInt32 = 0) -> UInt32? {
        let types = withUnsafeBytes(of: memoryProperties.memoryTypes) { Array($0.bindMemory(to: VkMemoryType.self)) }
        let candidates = (0..<Int(memoryProperties.memoryTypeCount)).filter {
            bits & (1 << $0) != 0 && types[$0].propertyFlags & required == required
        }
        let best = candidates.first { types[$0].propertyFlags & preferred == preferred } ?? candidates.first
        return best.map(UInt32.init)
    }

    func memoryTypeFlags(_ index: UInt32) -> UInt32 {
        withUnsafeBytes(of: memoryProperties.memoryTypes) { $0.bindMemory(to: VkMemoryType.self)[Int(index)].propertyFlags }
    }
}

extension VulkanDevice {
    nonisolated(unsafe) private static var sharedDevices: [String: Result<VulkanDevice, Error>] = [:]
    private static let sharedLock = NSLock()

    /// The process-wide device of `selector` (opened once, as `init(selector:)` chooses).
    public static func shared(selector: String? = nil) throws -> VulkanDevice {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        let key = selector?.trimmingCharacters(in: .whitespaces) ?? ""
        if let result = sharedDevices[key] { return try result.get() }
        let result = Result { try VulkanDevice(selector: key) }
        sharedDevices[key] = result
        return try result.get()
    }
}
