import Foundation
import VulkanRuntime

/// Grouped-query attention over an fp16 KV cache (`Shaders/attention/attention.comp`), with an
/// online softmax and an explicit additive mask over cache slots (0 visible, -inf hidden), so
/// causal prefill, decode and token-tree verification are one kernel. kvLen comes from a small
/// `params` buffer so a recorded sequence can be submitted again as the cache grows.
///
/// Batch invariance: a query's output is bit-for-bit the same whatever the other queries and
/// whatever kvLen, as long as the slots it sees (mask != -inf) are the same (for one
/// configuration: other head groupings may round differently).
public struct Attention: Sendable {
    /// Mirrors `Params` in attention.comp.
    struct Push: BitwiseCopyable {
        var nq: UInt32, heads: UInt32, kvHeads: UInt32, capacity: UInt32
        var qOffset: UInt32, qStride: UInt32, oOffset: UInt32, oStride: UInt32
        var kCacheOffset: UInt32, vCacheOffset: UInt32, maskOffset: UInt32, maskStride: UInt32
        var paramIndex: UInt32, scale: Float
        var ropeDims: UInt32, maxPosition: UInt32
    }

    /// The largest head dimension the kernel takes.
    public static let maxHeadDim = 256

    public struct Configuration: Hashable, Sendable {
        /// Subgroups per workgroup, each computing its own heads.
        public var subgroupsPerWorkgroup: Int
        /// Query heads one subgroup may compute from each load of their shared KV head; it uses
        /// the largest divisor of heads / kvHeads up to this.
        public var maxHeadsPerSubgroup: Int
        /// Cache slots a subgroup loads and reduces together before the online softmax takes them
        /// in order (a multiple of 4, at most 32). The output's bits do not depend on it (tested).
        public var slotsPerStep: Int

        public init(subgroupsPerWorkgroup: Int, maxHeadsPerSubgroup: Int, slotsPerStep: Int = 4) {
            self.subgroupsPerWorkgroup = subgroupsPerWorkgroup
            self.maxHeadsPerSubgroup = maxHeadsPerSubgroup
            self.slotsPerStep = slotsPerStep
        }

        /// CPU devices (lavapipe) pay per loaded word and run a workgroup on one thread: a whole
        /// query group per subgroup, one subgroup per workgroup, 4 slots a step (more slots of a
        /// group spill). GPUs favour parallelism, and 16 slots a step, so that each subgroup waits
        /// on fewer rounds of loads: reasoning from H200 profiles, not yet a GPU measurement (the
        /// device check times 4-32, `AUGUR_ATTENTION=slots=N`; docs/benchmarks.md).
        public static func preferred(for capabilities: DeviceCapabilities) -> Configuration {
            capabilities.kind == .cpu ? Configuration(subgroupsPerWorkgroup: 1, maxHeadsPerSubgroup: 8)
                : Configuration(subgroupsPerWorkgroup: 4, maxHeadsPerSubgroup: 1, slotsPerStep: 16)
        }

        /// Query heads per subgroup for a model's grouping.
        func headsPerSubgroup(heads: Int, kvHeads: Int) -> Int {
            let group = heads / kvHeads
            return (1...max(1, min(group, maxHeadsPerSubgroup))).last { group % $0 == 0 }!
        }
    }

    /// One layer's key and value caches: [capacity][kvHeads][headDim] halves, packed two per
    /// uint, starting `keyOffset` / `valueOffset` halves into their buffers (which may be one
    /// buffer holding every layer).
    public struct Cache: @unchecked Sendable {
        public let keys: GPUBuffer, values: GPUBuffer
        public let keyOffset: Int, valueOffset: Int
        public let capacity: Int, kvHeads: Int, headDim: Int

        public init(keys: GPUBuffer, values: GPUBuffer, keyOffset: Int = 0, valueOffset: Int = 0,
                    capacity: Int, kvHeads: Int, headDim: Int) throws {
            guard capacity > 0, kvHeads > 0, headDim > 0, headDim % 2 == 0, headDim <= Attention.maxHeadDim,
                  keyOffset % 2 == 0, valueOffset % 2 == 0, keyOffset >= 0, valueOffset >= 0 else {
                throw KernelError.invalidArgument("KV cache of \(capacity)x\(kvHeads)x\(headDim) at halves \(keyOffset), \(valueOffset)")
            }
            let halves = capacity * kvHeads * headDim
            guard (keyOffset + halves) * 2 <= keys.size, (valueOffset + halves) * 2 <= values.size else {
                throw KernelError.invalidArgument("KV cache of \(halves) halves overflows its buffers")
            }
            (self.keys, self.values, self.keyOffset, self.valueOffset) = (keys, values, keyOffset, valueOffset)
            (self.capacity, self.kvHeads, self.headDim) = (capacity, kvHeads, headDim)
        }

        /// Fresh zeroed key and value buffers for one layer.
        public static func allocate(library: KernelLibrary, capacity: Int, kvHeads: Int, headDim: Int,
                                    location: GPUBuffer.Location = .device) throws -> Cache {
            let words = capacity * kvHeads * headDim / 2
            return try Cache(keys: library.buffer(UInt32.self, count: words, location: location),
                             values: library.buffer(UInt32.self, count: words, location: location),
                             capacity: capacity, kvHeads: kvHeads, headDim: headDim)
        }

        /// uints per slot.
        var rowWords: Int { kvHeads * headDim / 2 }

        /// The bindings of the keys and the values, each with the word offset of the layer inside
        /// it: ranges start at the device's offset alignment and stay within one layer's span,
        /// so a buffer holding every layer never exceeds the binding size limit.
        func bindings(alignment: Int) -> (keys: BufferRange, keyWord: Int, values: BufferRange, valueWord: Int) {
            func binding(_ buffer: GPUBuffer, _ halfOffset: Int) -> (BufferRange, Int) {
                let start = halfOffset * 2, aligned = start - start % alignment
                return (buffer.range(offset: aligned, size: start + capacity * rowWords * 4 - aligned), (start - aligned) / 4)
            }
            let k = binding(keys, keyOffset), v = binding(values, valueOffset)
            return (k.0, k.1, v.0, v.1)
        }
    }

    public let library: KernelLibrary
    public let configuration: Configuration

    /// `configuration` defaults to the library's `options.attention` over the device's preferred
    /// configuration.
    public init(library: KernelLibrary, configuration: Configuration? = nil) throws {
        let config = configuration ?? library.options.attention.applied(to: Configuration.preferred(for: library.device.capabilities))
        guard config.subgroupsPerWorkgroup > 0, config.maxHeadsPerSubgroup > 0,
              config.slotsPerStep % 4 == 0, (4...32).contains(config.slotsPerStep) else {
            throw KernelError.invalidArgument("attention configuration \(config)")
        }
        self.library = library
        self.configuration = config
    }

    func pipeline(headDim: Int, headsPerSubgroup: Int, rope: Rope.Input? = nil) throws -> ComputePipeline {
        try library.pipeline("attention/attention.comp", defines: rope?.defines ?? [:],
                             workgroupSize: configuration.subgroupsPerWorkgroup * library.subgroupSize,
                             extra: [headDim, headsPerSubgroup, configuration.slotsPerStep / 4], bindings: rope == nil ? 6 : 8, push: Push.self)
    }

    /// Compiles the pipeline of a model's attention shape ahead of use.
    public func prepare(heads: Int, kvHeads: Int, headDim: Int) throws {
        guard kvHeads > 0, heads % kvHeads == 0, headDim > 0, headDim % 2 == 0, headDim <= Self.maxHeadDim else {
            throw KernelError.invalidArgument("attention of \(heads) heads over \(kvHeads) KV heads of \(headDim)")
        }
        _ = try pipeline(headDim: headDim, headsPerSubgroup: configuration.headsPerSubgroup(heads: heads, kvHeads: kvHeads))
    }

    /// Records O[i][h] = softmax_j((Q[i][h] . K[j][h / group]) * scale + mask[i][j]) V[j][h / group]
    /// for `count` queries over slots j < kvLen = params[kvLengthIndex] (clamped to the cache
    /// capacity and to `maskStride`). Offsets and strides are in floats; strides default to
    /// heads * headDim. `scale` defaults to 1 / sqrt(headDim). A fully masked row outputs 0.
    /// With `rope`, query i is rotated to its position as it loads, as `Rope` would have rotated it.
    public func encode(
        _ sequence: CommandSequence, queries: GPUBuffer, queryOffset: Int = 0, queryStride: Int? = nil,
        cache: Cache, mask: GPUBuffer, maskOffset: Int = 0, maskStride: Int, params: GPUBuffer, kvLengthIndex: Int = 0,
        output: GPUBuffer, outputOffset: Int = 0, outputStride: Int? = nil, count: Int, heads: Int, scale: Float? = nil,
        rope: Rope.Input? = nil
    ) throws {
        let width = heads * cache.headDim
        let qStride = queryStride ?? width, oStride = outputStride ?? width
        guard count > 0, heads > 0, heads % cache.kvHeads == 0, maskStride > 0, kvLengthIndex >= 0,
              count <= library.device.capabilities.maxWorkgroupCount[1] else {
            throw KernelError.invalidArgument("attention of \(count) queries, \(heads) heads over \(cache.kvHeads) KV heads")
        }
        guard (queryOffset + (count - 1) * qStride + width) * 4 <= queries.size,
              (outputOffset + (count - 1) * oStride + width) * 4 <= output.size,
              (maskOffset + count * maskStride) * 4 <= mask.size, (kvLengthIndex + 1) * 4 <= params.size else {
            throw KernelError.invalidArgument("attention of \(count) queries overflows its query, output, mask or params buffer")
        }
        try rope?.check(tokens: count, headDim: cache.headDim)
        let b = cache.bindings(alignment: library.device.capabilities.minStorageBufferOffsetAlignment)
        let push = Push(
            nq: UInt32(count), heads: UInt32(heads), kvHeads: UInt32(cache.kvHeads), capacity: UInt32(cache.capacity),
            qOffset: UInt32(queryOffset), qStride: UInt32(qStride), oOffset: UInt32(outputOffset), oStride: UInt32(oStride),
            kCacheOffset: UInt32(b.keyWord), vCacheOffset: UInt32(b.valueWord), maskOffset: UInt32(maskOffset),
            maskStride: UInt32(maskStride), paramIndex: UInt32(kvLengthIndex),
            scale: scale ?? 1 / Float(cache.headDim).squareRoot(),
            ropeDims: UInt32(rope?.table.rotatedDims ?? 0), maxPosition: UInt32(rope?.table.maxPositions ?? 0))
        let perSubgroup = configuration.headsPerSubgroup(heads: heads, kvHeads: cache.kvHeads)
        let perGroup = configuration.subgroupsPerWorkgroup * perSubgroup
        try runtime { try sequence.dispatch(
            pipeline(headDim: cache.headDim, headsPerSubgroup: perSubgroup, rope: rope),
            bindings: [queries.range(), b.keys, b.values, mask.range(), params.range(), output.range()]
                + (rope.map { [$0.positions.range(), $0.table.buffer.range()] } ?? []), push: push,
            groups: ((heads + perGroup - 1) / perGroup, count, 1)) }
    }

    /// A causal mask for `count` queries at cache slots start..<start + count: query i sees
    /// slots 0...start + i. [count][stride] floats, stride >= start + count.
    public static func causalMask(count: Int, start: Int, stride: Int) -> [Float] {
        var mask = [Float](repeating: -.infinity, count: count * stride)
        for i in 0..<count { for j in 0...(start + i) where j < stride { mask[i * stride + j] = 0 } }
        return mask
    }

    /// A token-tree mask: node i sits at slot prefix + i, its parent is parents[i] (-1 for a
    /// root, else an earlier node); it sees the prefix, its ancestors and itself.
    public static func treeMask(parents: [Int], prefix: Int, stride: Int) -> [Float] {
        var mask = [Float](repeating: -.infinity, count: parents.count * stride)
        for i in parents.indices {
            for j in 0..<prefix { mask[i * stride + j] = 0 }
            var node = i
            while node >= 0 {
                mask[i * stride + prefix + node] = 0
                node = parents[node]
            }
        }
        return mask
    }
}
