import VulkanRuntime

/// Appends keys and values to one layer's fp16 KV cache (`Shaders/attention/kv_write.comp`) in
/// one dispatch. Token t's f32 rows K[t], V[t] ([kvHeads * headDim] floats each) are rounded to
/// halves and stored at cache slot slots[slotOffset + t]. The slots are read from a buffer so a
/// recorded sequence can be submitted again at new slots; a slot >= capacity is skipped.
public struct KVCacheWrite: Sendable {
    /// Mirrors `Params` in kv_write.comp.
    struct Push: BitwiseCopyable {
        var tokens: UInt32, rowWords: UInt32, kOffset: UInt32, kStride: UInt32, vOffset: UInt32, vStride: UInt32
        var slotOffset: UInt32, capacity: UInt32, kCacheOffset: UInt32, vCacheOffset: UInt32
        var headDim: UInt32, ropeDims: UInt32, maxPosition: UInt32
    }

    public let library: KernelLibrary
    let workgroupSize = 64

    public init(library: KernelLibrary) {
        self.library = library
    }

    /// Records the write of `tokens` rows of keys and values into `cache`. Offsets and strides
    /// are in floats (strides default to kvHeads * headDim); `slots` holds uint32 slot indices.
    /// Keys and values may be ranges of one buffer (a fused QKV projection). With `rope`, each
    /// key is rotated to its token's position on the way, as `Rope` would have rotated it first.
    public func encode(
        _ sequence: CommandSequence, keys: GPUBuffer, keyOffset: Int = 0, keyStride: Int? = nil,
        values: GPUBuffer, valueOffset: Int = 0, valueStride: Int? = nil,
        slots: GPUBuffer, slotOffset: Int = 0, tokens: Int, cache: Attention.Cache, rope: Rope.Input? = nil
    ) throws {
        let width = cache.kvHeads * cache.headDim
        let kStride = keyStride ?? width, vStride = valueStride ?? width
        guard tokens > 0, keyOffset >= 0, valueOffset >= 0, slotOffset >= 0,
              (keyOffset + (tokens - 1) * kStride + width) * 4 <= keys.size,
              (valueOffset + (tokens - 1) * vStride + width) * 4 <= values.size,
              (slotOffset + tokens) * 4 <= slots.size else {
            throw KernelError.invalidArgument("KV write of \(tokens) tokens of \(width) overflows its key, value or slot buffer")
        }
        try rope?.check(tokens: tokens, headDim: cache.headDim)
        let b = cache.bindings(alignment: library.device.capabilities.minStorageBufferOffsetAlignment)
        let pipeline = try library.pipeline("attention/kv_write.comp", defines: rope?.defines ?? [:], workgroupSize: workgroupSize,
                                            bindings: rope == nil ? 5 : 7, push: Push.self)
        let push = Push(
            tokens: UInt32(tokens), rowWords: UInt32(cache.rowWords), kOffset: UInt32(keyOffset), kStride: UInt32(kStride),
            vOffset: UInt32(valueOffset), vStride: UInt32(vStride), slotOffset: UInt32(slotOffset),
            capacity: UInt32(cache.capacity), kCacheOffset: UInt32(b.keyWord), vCacheOffset: UInt32(b.valueWord),
            headDim: UInt32(cache.headDim), ropeDims: UInt32(rope?.table.rotatedDims ?? 0),
            maxPosition: UInt32(rope?.table.maxPositions ?? 0))
        let ropeBindings = rope.map { [$0.positions.range(), $0.table.buffer.range()] } ?? []
        try runtime { try sequence.dispatch(
            pipeline, bindings: [keys.range(), values.range(), slots.range(), b.keys, b.values] + ropeBindings, push: push,
            groups: grid(invocations: tokens * cache.rowWords, workgroupSize: workgroupSize)) }
    }
}
