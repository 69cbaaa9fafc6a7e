import Kernels

/// Cases that live in their own files (attention, the normalised projections); listed here so the
/// runner needs no change when a kernel family is added.
enum ExtraCases {
    static func all(matVec: MatVec.Configuration?) -> [BenchCase] {
        AttentionCases.all() + FusedInputCases.all(configuration: matVec)
    }
}
