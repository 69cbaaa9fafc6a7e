import CVulkan

/// Reads a physical device's properties, limits and features into `DeviceCapabilities`,
/// and keeps the feature structs so device creation can enable what is supported.
struct PhysicalDeviceProbe {
    let handle: OpaquePointer
    var capabilities: DeviceCapabilities
    var features11 = VkPhysicalDeviceVulkan11Features()
    var features12 = VkPhysicalDeviceVulkan12Features()
    var features13 = VkPhysicalDeviceVulkan13Features()
    var features = VkPhysicalDeviceFeatures()
    var computeQueueFamily: UInt32?
    var extensions: Set<String> = []

    static let version13: UInt32 = (1 << 22) | (3 << 12)

    init(_ physical: OpaquePointer, index: Int) {
        handle = physical
        var subgroup = VkPhysicalDeviceSubgroupProperties()
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
        var sizeControl = VkPhysicalDeviceSubgroupSizeControlProperties()
        sizeControl.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES
        var driver = VkPhysicalDeviceDriverProperties()
        driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
        var props2 = VkPhysicalDeviceProperties2()
        props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
        withUnsafeMutablePointer(to: &subgroup) { s in
            withUnsafeMutablePointer(to: &sizeControl) { c in
                withUnsafeMutablePointer(to: &driver) { d in
                    s.pointee.pNext = UnsafeMutableRawPointer(c)
                    c.pointee.pNext = UnsafeMutableRawPointer(d)
                    props2.pNext = UnsafeMutableRawPointer(s)
                    vkGetPhysicalDeviceProperties2(physical, &props2)
                }
            }
        }
        let props = props2.properties
        let api = props.apiVersion

        var features11 = VkPhysicalDeviceVulkan11Features()
        var features12 = VkPhysicalDeviceVulkan12Features()
        var features13 = VkPhysicalDeviceVulkan13Features()
        features11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES
        features12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES
        features13.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES
        var f2 = VkPhysicalDeviceFeatures2()
        f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
        var dot = VkPhysicalDeviceShaderIntegerDotProductFeatures()
        dot.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES
        withUnsafeMutablePointer(to: &features11) { p11 in
            withUnsafeMutablePointer(to: &features12) { p12 in
                withUnsafeMutablePointer(to: &features13) { p13 in
                    p11.pointee.pNext = UnsafeMutableRawPointer(p12)
                    p12.pointee.pNext = api >= Self.version13 ? UnsafeMutableRawPointer(p13) : nil
                    f2.pNext = UnsafeMutableRawPointer(p11)
                    vkGetPhysicalDeviceFeatures2(physical, &f2)
                    if api >= Self.version13 {
                        f2.pNext = withUnsafeMutablePointer(to: &dot) { UnsafeMutableRawPointer($0) }
                        dot.pNext = nil
                        vkGetPhysicalDeviceFeatures2(physical, &f2)
                    }
                }
            }
        }
        features11.pNext = nil
        features12.pNext = nil
        features13.pNext = nil
        self.features11 = features11
        self.features12 = features12
        self.features13 = features13
        features = f2.features

        var extensionCount: UInt32 = 0
        vkEnumerateDeviceExtensionProperties(physical, nil, &extensionCount, nil)
        var extensionProps = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(extensionCount))
        vkEnumerateDeviceExtensionProperties(physical, nil, &extensionCount, &extensionProps)
        extensions = Set(extensionProps.map { ext in withUnsafeBytes(of: ext.extensionName) { cString($0) } })

        var familyCount: UInt32 = 0
        vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(familyCount))
        vkGetPhysicalDeviceQueueFamilyProperties(physical, &familyCount, &families)
        // Prefer a compute queue family without graphics (a dedicated compute queue), else any with compute.
        let compute = VK_QUEUE_COMPUTE_BIT.rawValue, graphics = VK_QUEUE_GRAPHICS_BIT.rawValue
        let dedicated = families.indices.first { families[$0].queueFlags & compute != 0 && families[$0].queueFlags & graphics == 0 }
        let any = families.indices.first { families[$0].queueFlags & compute != 0 }
        let chosen = dedicated ?? any
        computeQueueFamily = chosen.map(UInt32.init)
        let timestampBits = chosen.map { families[$0].timestampValidBits } ?? 0

        var memory = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(physical, &memory)
        let heaps: [DeviceCapabilities.MemoryHeap] = withUnsafeBytes(of: memory.memoryHeaps) { raw in
            let all = raw.bindMemory(to: VkMemoryHeap.self)
            return (0..<Int(memory.memoryHeapCount)).map {
                .init(bytes: Int(all[$0].size), deviceLocal: all[$0].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0)
            }
        }
        let limits = props.limits
        let texelBuffers = TexelFormat.allCases.allSatisfy { format in
            var properties = VkFormatProperties()
            vkGetPhysicalDeviceFormatProperties(physical, format.vkFormat, &properties)
            return properties.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT.rawValue != 0
        }
        let ops = subgroup.supportedOperations
        capabilities = DeviceCapabilities(
            index: index,
            name: withUnsafeBytes(of: props.deviceName) { cString($0) },
            kind: .init(props.deviceType),
            vendorID: props.vendorID, deviceID: props.deviceID,
            driverName: withUnsafeBytes(of: driver.driverName) { cString($0) },
            driverInfo: withUnsafeBytes(of: driver.driverInfo) { cString($0) },
            driverVersion: props.driverVersion, apiVersion: api,
            subgroupSize: Int(subgroup.subgroupSize),
            minSubgroupSize: Int(sizeControl.minSubgroupSize == 0 ? subgroup.subgroupSize : sizeControl.minSubgroupSize),
            maxSubgroupSize: Int(sizeControl.maxSubgroupSize == 0 ? subgroup.subgroupSize : sizeControl.maxSubgroupSize),
            subgroupSizeControl: features13.subgroupSizeControl != 0 && features13.computeFullSubgroups != 0,
            subgroupArithmetic: ops & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT.rawValue != 0,
            subgroupShuffle: ops & VK_SUBGROUP_FEATURE_SHUFFLE_BIT.rawValue != 0,
            subgroupBallot: ops & VK_SUBGROUP_FEATURE_BALLOT_BIT.rawValue != 0,
            shaderFloat16: features12.shaderFloat16 != 0,
            shaderInt8: features12.shaderInt8 != 0,
            shaderInt64: features.shaderInt64 != 0,
            storage8Bit: features12.storageBuffer8BitAccess != 0,
            storage16Bit: features11.storageBuffer16BitAccess != 0,
            integerDotProduct: dot.shaderIntegerDotProduct != 0,
            pushDescriptors: extensions.contains("VK_KHR_push_descriptor"),
            maxSharedMemoryBytes: Int(limits.maxComputeSharedMemorySize),
            maxStorageBufferRange: Int(limits.maxStorageBufferRange),
            minStorageBufferOffsetAlignment: Int(limits.minStorageBufferOffsetAlignment),
            texelBuffers: texelBuffers,
            maxTexelBufferElements: Int(limits.maxTexelBufferElements),
            minTexelBufferOffsetAlignment: Int(limits.minTexelBufferOffsetAlignment),
            maxMemoryAllocationCount: Int(limits.maxMemoryAllocationCount),
            maxPushConstantsBytes: Int(limits.maxPushConstantsSize),
            maxWorkgroupInvocations: Int(limits.maxComputeWorkGroupInvocations),
            maxWorkgroupCount: [Int(limits.maxComputeWorkGroupCount.0), Int(limits.maxComputeWorkGroupCount.1), Int(limits.maxComputeWorkGroupCount.2)],
            memoryHeaps: heaps,
            timestamps: timestampBits > 0 && limits.timestampPeriod > 0,
            timestampPeriodNanoseconds: Double(limits.timestampPeriod))
    }
}

/// A NUL-terminated C string stored in a fixed-size tuple.
func cString(_ raw: UnsafeRawBufferPointer) -> String {
    let bytes = raw.bindMemory(to: UInt8.self)
    let end = bytes.firstIndex(of: 0) ?? bytes.count
    return String(decoding: bytes[..<end], as: UTF8.self)
}
