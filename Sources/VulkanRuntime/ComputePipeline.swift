import CVulkan

/// Everything that identifies one compiled kernel variant: the shader file, its `#define`s
/// (types, structure), its specialization constants (workgroup, subgroup, tile sizes, ids 0...n-1),
/// and its interface (number of bindings, which of them are texel buffers, push-constant bytes).
public struct PipelineKey: Hashable, Sendable, CustomStringConvertible {
    public var shader: String
    public var defines: [String: String]
    public var specialization: [UInt32]
    public var bindings: Int
    /// Bindings read as uniform texel buffers, by index; the others are storage buffers.
    public var texels: [Int: TexelFormat]
    public var pushConstantBytes: Int

    public init(shader: String, defines: [String: String] = [:], specialization: [UInt32], bindings: Int,
                texels: [Int: TexelFormat] = [:], pushConstantBytes: Int) {
        self.shader = shader
        self.defines = defines
        self.specialization = specialization
        self.bindings = bindings
        self.texels = texels
        self.pushConstantBytes = pushConstantBytes
    }

    public var description: String {
        let d = defines.sorted { $0.key < $1.key }.map { $0.value == "1" ? $0.key : "\($0.key)=\($0.value)" }
        return ([shader] + d).joined(separator: " ") + " spec" + specialization.map(String.init).joined(separator: ",")
    }
}

/// A compute pipeline with a push-descriptor set layout of storage (or uniform texel) buffers and
/// one push-constant range.
public final class ComputePipeline: @unchecked Sendable {
    public let key: PipelineKey
    unowned let device: VulkanDevice
    let handle: OpaquePointer
    let layout: OpaquePointer
    let setLayout: OpaquePointer

    init(device: VulkanDevice, key: PipelineKey, spirv: [UInt32]) throws {
        self.device = device
        self.key = key
        let dev = device.handle
        guard key.pushConstantBytes <= device.capabilities.maxPushConstantsBytes else {
            throw VulkanError.limitExceeded(what: "push constants of \(key.shader)", value: key.pushConstantBytes,
                                            limit: device.capabilities.maxPushConstantsBytes)
        }
        var bindings = (0..<key.bindings).map { i -> VkDescriptorSetLayoutBinding in
            var b = VkDescriptorSetLayoutBinding()
            b.binding = UInt32(i)
            b.descriptorType = key.texels[i] == nil ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
            b.descriptorCount = 1
            b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
            return b
        }
        var setInfo = VkDescriptorSetLayoutCreateInfo()
        setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
        setInfo.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR.rawValue
        setInfo.bindingCount = UInt32(bindings.count)
        var setLayout: OpaquePointer?
        try bindings.withUnsafeMutableBufferPointer { b in
            setInfo.pBindings = UnsafePointer(b.baseAddress)
            try check(vkCreateDescriptorSetLayout(dev, &setInfo, nil, &setLayout), "vkCreateDescriptorSetLayout")
        }
        var range = VkPushConstantRange(stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue, offset: 0,
                                        size: UInt32(key.pushConstantBytes))
        var layoutInfo = VkPipelineLayoutCreateInfo()
        layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
        layoutInfo.setLayoutCount = 1
        layoutInfo.pushConstantRangeCount = key.pushConstantBytes > 0 ? 1 : 0
        var layout: OpaquePointer?
        try withUnsafePointer(to: &setLayout) { sl in
            try withUnsafePointer(to: &range) { r in
                layoutInfo.pSetLayouts = sl
                layoutInfo.pPushConstantRanges = r
                try check(vkCreatePipelineLayout(dev, &layoutInfo, nil, &layout), "vkCreatePipelineLayout")
            }
        }
        var moduleInfo = VkShaderModuleCreateInfo()
        moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
        moduleInfo.codeSize = spirv.count * 4
        var module: OpaquePointer?
        try spirv.withUnsafeBufferPointer { code in
            moduleInfo.pCode = code.baseAddress
            try check(vkCreateShaderModule(dev, &moduleInfo, nil, &module), "vkCreateShaderModule")
        }
        defer { vkDestroyShaderModule(dev, module, nil) }

        var entries = key.specialization.indices.map {
            VkSpecializationMapEntry(constantID: UInt32($0), offset: UInt32($0 * 4), size: 4)
        }
        var values = key.specialization
        var subgroupSize = VkPipelineShaderStageRequiredSubgroupSizeCreateInfo()
        subgroupSize.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO
        subgroupSize.requiredSubgroupSize = UInt32(device.capabilities.subgroupSize)
        var pipeline: OpaquePointer?
        let result = entries.withUnsafeMutableBufferPointer { e in
            values.withUnsafeMutableBytes { v in
                withUnsafeMutablePointer(to: &subgroupSize) { sg in
                    "main".withCString { entry in
                        var spec = VkSpecializationInfo(mapEntryCount: UInt32(e.count), pMapEntries: e.baseAddress,
                                                        dataSize: v.count, pData: v.baseAddress)
                        return withUnsafePointer(to: &spec) { specPointer in
                            var stage = VkPipelineShaderStageCreateInfo()
                            stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                            stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                            stage.module = module
                            stage.pName = entry
                            stage.pSpecializationInfo = specPointer
                            if device.capabilities.subgroupSizeControl {
                                // Kernels size their reductions by the device's subgroup size: pin it.
                                stage.pNext = UnsafeRawPointer(sg)
                                stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT.rawValue
                            }
                            var info = VkComputePipelineCreateInfo()
                            info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                            info.stage = stage
                            info.layout = layout
                            return vkCreateComputePipelines(dev, nil, 1, &info, nil, &pipeline)
                        }
                    }
                }
            }
        }
        try check(result, "vkCreateComputePipelines(\(key))")
        guard let pipeline, let layout, let setLayout else {
            throw VulkanError.call("vkCreateComputePipelines(\(key))", code: -1)
        }
        self.handle = pipeline
        self.layout = layout
        self.setLayout = setLayout
    }

    deinit {
        vkDestroyPipeline(device.handle, handle, nil)
        vkDestroyPipelineLayout(device.handle, layout, nil)
        vkDestroyDescriptorSetLayout(device.handle, setLayout, nil)
    }
}
