import VulkanRuntime

/// Copies KV cache rows between caches (`Shaders/attention/kv_move.comp`) in one dispatch: row t
/// goes from slot `slots[sourceSlotOffset + t]` of `source` to slot `slots[targetSlotOffset + t]`
/// of `target`, keys and values alike, bit for bit. Keeping a token tree's accepted path takes two
/// moves, cache -> scratch -> cache, because one in-place pass could read a row another
/// invocation is overwriting. Slots past a side's capacity are skipped.
public struct KVCacheMove: Sendable {
    /// Mirrors `Params` in kv_move.comp.
    struct Push: BitwiseCopyable {
        var rows: UInt32, rowWords: UInt32, srcSlotOffset: UInt32, dstSlotOffset: UInt32
        var srcCapacity: UInt32, dstCapacity: UInt32
        var srcKeyOffset: UInt32, srcValueOffset: UInt32, dstKeyOffset: UInt32, dstValueOffset: UInt32
    }

    public let library: KernelLibrary
    let workgroupSize = 64

    public init(library: KernelLibrary) {
        self.library = library
    }

    /// Records the copy of `rows` rows. `source` and `target` must be different caches of the same
    /// row width; `slots` holds uint32 slot indices for both sides.
    public func encode(
        _ sequence: CommandSequence, from source: Attention.Cache, to target: Attention.Cache,
        slots: GPUBuffer, sourceSlotOffset: Int, targetSlotOffset: Int, rows: Int
    ) throws {
        guard source.rowWords == target.rowWords else {
            throw KernelError.invalidArgument("KV move between caches of \(source.rowWords) and \(target.rowWords) words per slot")
        }
        guard rows > 0, sourceSlotOffset >= 0, targetSlotOffset >= 0,
              (max(sourceSlotOffset, targetSlotOffset) + rows) * 4 <= slots.size else {
            throw KernelError.invalidArgument("KV move of \(rows) rows overflows its slot buffer")
        }
        guard source.keys !== target.keys, source.values !== target.values else {
            throw KernelError.invalidArgument("KV move within one cache (move through a scratch cache)")
        }
        let alignment = library.device.capabilities.minStorageBufferOffsetAlignment
        let s = source.bindings(alignment: alignment), t = target.bindings(alignment: alignment)
        let pipeline = try library.pipeline("attention/kv_move.comp", workgroupSize: workgroupSize, bindings: 5, push: Push.self)
        let push = Push(
            rows: UInt32(rows), rowWords: UInt32(source.rowWords), srcSlotOffset: UInt32(sourceSlotOffset),
            dstSlotOffset: UInt32(targetSlotOffset), srcCapacity: UInt32(source.capacity), dstCapacity: UInt32(target.capacity),
            srcKeyOffset: UInt32(s.keyWord), srcValueOffset: UInt32(s.valueWord),
            dstKeyOffset: UInt32(t.keyWord), dstValueOffset: UInt32(t.valueWord))
        try runtime { try sequence.dispatch(
            pipeline, bindings: [s.keys, s.values, slots.range(), t.keys, t.values], push: push,
            groups: grid(invocations: rows * source.rowWords, workgroupSize: workgroupSize)) }
    }
}
