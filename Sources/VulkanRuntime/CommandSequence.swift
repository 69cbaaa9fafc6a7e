import CVulkan

/// A recorded list of dispatches and copies with the barriers between them, submitted as one
/// batch. A sequence can be submitted again without re-recording: kernels that read changing
/// parameters (positions, lengths) from a small host-visible buffer see the new values.
/// Not `Sendable`: its command buffer and pool belong to one thread at a time (Vulkan's external
/// synchronisation rule); the queue it submits to is shared and locked per submission.
public final class CommandSequence {
    public let device: VulkanDevice
    let pool: OpaquePointer
    let buffer: OpaquePointer
    let fence: OpaquePointer
    let queries: OpaquePointer?
    public let timestampCapacity: Int
    private(set) var timestampCount = 0
    private var recording = false
    private var pending = false
    /// Buffers referenced by the recorded commands, kept alive until the sequence is re-recorded.
    private var retained: [GPUBuffer] = []
    /// When set, each dispatch is followed by a timestamp (while capacity lasts) and `profile()`
    /// gives the GPU time per kernel of the last run.
    public var profiling = false
    private var profiled: [(shader: String, timestamp: Int)] = []
    private var profileStart: Int?

    public init(device: VulkanDevice, timestampCapacity: Int = 256) throws {
        self.device = device
        let dev = device.handle
        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue
        poolInfo.queueFamilyIndex = device.queueFamily
        var pool: OpaquePointer?
        try check(vkCreateCommandPool(dev, &poolInfo, nil, &pool), "vkCreateCommandPool")
        var allocInfo = VkCommandBufferAllocateInfo()
        allocInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocInfo.commandPool = pool
        allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocInfo.commandBufferCount = 1
        var buffer: OpaquePointer?
        try check(vkAllocateCommandBuffers(dev, &allocInfo, &buffer), "vkAllocateCommandBuffers")
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: OpaquePointer?
        try check(vkCreateFence(dev, &fenceInfo, nil, &fence), "vkCreateFence")
        var queries: OpaquePointer?
        if device.capabilities.timestamps && timestampCapacity > 0 {
            var queryInfo = VkQueryPoolCreateInfo()
            queryInfo.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
            queryInfo.queryType = VK_QUERY_TYPE_TIMESTAMP
            queryInfo.queryCount = UInt32(timestampCapacity)
            try check(vkCreateQueryPool(dev, &queryInfo, nil, &queries), "vkCreateQueryPool")
        }
        self.pool = pool!
        self.buffer = buffer!
        self.fence = fence!
        self.queries = queries
        self.timestampCapacity = queries == nil ? 0 : timestampCapacity
    }

    deinit {
        if pending { try? wait() }
        let dev = device.handle
        if let queries { vkDestroyQueryPool(dev, queries, nil) }
        vkDestroyFence(dev, fence, nil)
        vkDestroyCommandPool(dev, pool, nil)
    }

    /// Starts recording, discarding whatever was recorded before.
    public func begin() throws {
        if pending { try wait() }
        try check(vkResetCommandBuffer(buffer, 0), "vkResetCommandBuffer")
        var info = VkCommandBufferBeginInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        try check(vkBeginCommandBuffer(buffer, &info), "vkBeginCommandBuffer")
        if let queries { vkCmdResetQueryPool(buffer, queries, 0, UInt32(timestampCapacity)) }
        timestampCount = 0
        retained.removeAll(keepingCapacity: true)
        profiled.removeAll(keepingCapacity: true)
        profileStart = profiling ? timestamp() : nil
        recording = true
    }

    /// Records one dispatch. `push` is the kernel's push-constant struct (4-byte fields).
    /// A barrier follows unless `barrier` is false (for dispatches that the next one does not read).
    public func dispatch<P: BitwiseCopyable>(
        _ pipeline: ComputePipeline, bindings: [BufferRange], push: P, groups: (Int, Int, Int), barrier: Bool = true
    ) throws {
        guard recording else { throw VulkanError.invalidArgument("dispatch outside begin()/end()") }
        let caps = device.capabilities
        guard bindings.count == pipeline.key.bindings else {
            throw VulkanError.invalidArgument("\(pipeline.key.shader) takes \(pipeline.key.bindings) buffers, got \(bindings.count)")
        }
        guard MemoryLayout<P>.size == pipeline.key.pushConstantBytes else {
            throw VulkanError.invalidArgument("\(pipeline.key.shader) takes \(pipeline.key.pushConstantBytes) bytes of push constants, got \(MemoryLayout<P>.size)")
        }
        for (axis, count) in [groups.0, groups.1, groups.2].enumerated() where count > caps.maxWorkgroupCount[axis] || count < 1 {
            throw VulkanError.limitExceeded(what: "workgroup count on axis \(axis) of \(pipeline.key.shader)", value: count,
                                            limit: caps.maxWorkgroupCount[axis])
        }
        var views: [OpaquePointer?] = []
        for (i, binding) in bindings.enumerated() {
            let format = pipeline.key.texels[i]
            let (count, limit) = format.map { (binding.size / $0.bytes, caps.maxTexelBufferElements) } ?? (binding.size, caps.maxStorageBufferRange)
            guard count <= limit else {
                throw VulkanError.limitExceeded(what: "\(format == nil ? "storage" : "texel") buffer binding of \(pipeline.key.shader)",
                                                value: count, limit: limit)
            }
            guard binding.size > 0, binding.offset >= 0, binding.offset + binding.size <= binding.buffer.size else {
                throw VulkanError.invalidArgument("binding range \(binding.offset)+\(binding.size) of a \(binding.buffer.size)-byte buffer")
            }
            if let format {
                // A view covers whole texels; kernels never read past the last one.
                guard count > 0, binding.offset % max(caps.minTexelBufferOffsetAlignment, 1) == 0 else {
                    throw VulkanError.invalidArgument("texel binding \(binding.offset)+\(binding.size) is misaligned or smaller than one \(format) texel")
                }
                views.append(try binding.buffer.texelView(offset: binding.offset, size: count * format.bytes, format: format))
            } else {
                guard binding.offset % caps.minStorageBufferOffsetAlignment == 0 else {
                    throw VulkanError.invalidArgument("binding offset \(binding.offset) is not a multiple of \(caps.minStorageBufferOffsetAlignment)")
                }
                views.append(nil)
            }
            retained.append(binding.buffer)
        }
        vkCmdBindPipeline(buffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle)
        var infos = bindings.map { VkDescriptorBufferInfo(buffer: $0.buffer.handle, offset: VkDeviceSize($0.offset), range: VkDeviceSize($0.size)) }
        infos.withUnsafeMutableBufferPointer { info in
            views.withUnsafeMutableBufferPointer { view in
                var writes = (0..<info.count).map { i -> VkWriteDescriptorSet in
                    var w = VkWriteDescriptorSet()
                    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                    w.dstBinding = UInt32(i)
                    w.descriptorCount = 1
                    if view[i] != nil {
                        w.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                        w.pTexelBufferView = UnsafePointer(view.baseAddress! + i)
                    } else {
                        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                        w.pBufferInfo = UnsafePointer(info.baseAddress! + i)
                    }
                    return w
                }
                device.cmdPushDescriptorSet(buffer, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, UInt32(writes.count), &writes)
            }
        }
        if pipeline.key.pushConstantBytes > 0 {
            var value = push
            withUnsafeBytes(of: &value) { raw in
                vkCmdPushConstants(buffer, pipeline.layout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0, UInt32(raw.count), raw.baseAddress)
            }
        }
        vkCmdDispatch(buffer, UInt32(groups.0), UInt32(groups.1), UInt32(groups.2))
        if barrier { self.barrier() }
        if profiling, profileStart != nil, let stamp = timestamp() { profiled.append((pipeline.key.description, stamp)) }
    }

    /// Records a buffer-to-buffer copy followed by a barrier.
    public func copy(from source: GPUBuffer, sourceOffset: Int = 0, to destination: GPUBuffer, destinationOffset: Int = 0, bytes: Int) throws {
        guard recording else { throw VulkanError.invalidArgument("copy outside begin()/end()") }
        guard sourceOffset + bytes <= source.size, destinationOffset + bytes <= destination.size, bytes > 0 else {
            throw VulkanError.invalidArgument("copy of \(bytes) bytes out of range")
        }
        retained.append(source)
        retained.append(destination)
        var region = VkBufferCopy(srcOffset: VkDeviceSize(sourceOffset), dstOffset: VkDeviceSize(destinationOffset), size: VkDeviceSize(bytes))
        vkCmdCopyBuffer(buffer, source.handle, destination.handle, 1, &region)
        barrier()
    }

    /// Makes every earlier shader or transfer write visible to every later read or write.
    public func barrier() {
        let writes = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        let all = writes | VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_HOST_READ_BIT.rawValue
        var memoryBarrier = VkMemoryBarrier(sType: VK_STRUCTURE_TYPE_MEMORY_BARRIER, pNext: nil, srcAccessMask: writes, dstAccessMask: all)
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        vkCmdPipelineBarrier(buffer, stages, stages | VK_PIPELINE_STAGE_HOST_BIT.rawValue, 0, 1, &memoryBarrier, 0, nil, 0, nil)
    }

    /// Records a GPU timestamp and returns its index, or nil when the device has no timestamps
    /// or the sequence's capacity is used up.
    @discardableResult
    public func timestamp() -> Int? {
        guard let queries, timestampCount < timestampCapacity else { return nil }
        vkCmdWriteTimestamp(buffer, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries, UInt32(timestampCount))
        timestampCount += 1
        return timestampCount - 1
    }

    public func end() throws {
        guard recording else { throw VulkanError.invalidArgument("end() without begin()") }
        try check(vkEndCommandBuffer(buffer), "vkEndCommandBuffer")
        recording = false
    }

    /// Submits what was recorded. It may be submitted again after `wait()`.
    public func submit() throws {
        guard !recording else { throw VulkanError.invalidArgument("submit() before end()") }
        if pending { try wait() }
        try check(vkResetFences(device.handle, 1, [fence]), "vkResetFences")
        var commandBuffer: OpaquePointer? = buffer
        var info = VkSubmitInfo()
        info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
        info.commandBufferCount = 1
        let result = withUnsafePointer(to: &commandBuffer) { pointer in
            info.pCommandBuffers = pointer
            device.queueLock.lock()
            defer { device.queueLock.unlock() }
            return vkQueueSubmit(device.queue, 1, &info, fence)
        }
        try check(result, "vkQueueSubmit")
        pending = true
    }

    public func wait() throws {
        guard pending else { return }
        pending = false
        try check(vkWaitForFences(device.handle, 1, [fence], 1, UInt64.max), "vkWaitForFences")
    }

    /// GPU nanoseconds per kernel variant (its pipeline key) of the last run with `profiling` set,
    /// largest first, with the number of dispatches; each dispatch counts from the previous timestamp.
    public func profile() throws -> [(shader: String, dispatches: Int, nanoseconds: Double)] {
        guard var previous = profileStart, !profiled.isEmpty else { return [] }
        let values = try timestampValues()
        var totals: [String: (Int, Double)] = [:]
        for entry in profiled {
            let ns = Double(values[entry.timestamp] &- values[previous]) * device.capabilities.timestampPeriodNanoseconds
            totals[entry.shader, default: (0, 0)].0 += 1
            totals[entry.shader, default: (0, 0)].1 += ns
            previous = entry.timestamp
        }
        return totals.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.nanoseconds > $1.nanoseconds }
    }

    /// Submits and waits.
    public func submitAndWait() throws {
        try submit()
        try wait()
    }

    /// Nanoseconds between timestamps `from` and `to` of the last completed submission.
    public func elapsedNanoseconds(from: Int, to: Int) throws -> Double {
        guard from < timestampCount, to < timestampCount else {
            throw VulkanError.invalidArgument("timestamps \(from)...\(to) were not recorded")
        }
        let values = try timestampValues()
        return Double(values[to] &- values[from]) * device.capabilities.timestampPeriodNanoseconds
    }

    private func timestampValues() throws -> [UInt64] {
        guard let queries else { throw VulkanError.invalidArgument("this device records no timestamps") }
        var values = [UInt64](repeating: 0, count: timestampCount)
        let flags = VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue
        try values.withUnsafeMutableBytes { raw in
            try check(vkGetQueryPoolResults(device.handle, queries, 0, UInt32(timestampCount), raw.count, raw.baseAddress, 8, flags),
                      "vkGetQueryPoolResults")
        }
        return values
    }
}
