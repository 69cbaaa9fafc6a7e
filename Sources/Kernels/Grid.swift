/// Workgroup counts for `invocations` threads of `workgroupSize`, folded into a second axis when
/// one axis would exceed the 65,535 every Vulkan device guarantees. Kernels rebuild the flat
/// index as x + y * (groups.x * workgroupSize).
func grid(invocations: Int, workgroupSize: Int) -> (Int, Int, Int) {
    let groups = max(1, (invocations + workgroupSize - 1) / workgroupSize)
    let x = min(groups, 65_535)
    return (x, (groups + x - 1) / x, 1)
}
