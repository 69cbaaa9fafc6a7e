import Foundation
import Synchronization
import VulkanRuntime

/// Verification cost relative to plain decoding, per drafted-token count, measured once per model
/// file, device and build of the running binary, and kept in memory and on disk (beside the SPIR-V
/// cache, `verify-cost/`).
/// The adaptive length policy scales it by the pass times it measures as it goes, so it knows
/// the cost of lengths it has not tried: a fit to its own rounds alone only sees the lengths it
/// already chose, and extrapolates a line through two of them badly (lavapipe's curve is concave).
struct VerifyCostCurve: Codable, Sendable {
    /// Tokens per measured pass (1 first) and each pass's seconds relative to the one-token pass.
    var tokens: [Int]
    var ratios: [Double]

    /// Cost of verifying k drafted tokens (a pass of k + 1) relative to one token, linear
    /// between measured passes and beyond the last two.
    func relative(drafted k: Int) -> Double {
        let n = k + 1
        guard let upper = tokens.firstIndex(where: { $0 >= n }) else {
            let (a, b) = (tokens.count - 2, tokens.count - 1)
            return ratios[b] + (ratios[b] - ratios[a]) / Double(tokens[b] - tokens[a]) * Double(n - tokens[b])
        }
        guard upper > 0 else { return ratios[0] }
        let (a, b) = (upper - 1, upper)
        return ratios[a] + (ratios[b] - ratios[a]) * Double(n - tokens[a]) / Double(tokens[b] - tokens[a])
    }

    /// The pass sizes measured for drafts of up to `maximum` tokens: 1, 2, 3, 5, 9, ... and maximum + 1.
    static func passSizes(maximum: Int) -> [Int] {
        let most = min(max(maximum, 1) + 1, 64)
        return Array(Set([1, 2, 3, 5, 9, 17, 33].filter { $0 < most } + [most])).sorted()
    }
}

private let loadedCurves = Mutex<[String: VerifyCostCurve]>([:])

extension Model {
    /// This model's verify-cost curve on its device, covering drafts of up to `maximum` tokens:
    /// from memory, else from disk, else measured (a few passes of each size, seconds on lavapipe).
    func verifyCostCurve(maximum: Int) throws -> VerifyCostCurve {
        let sizes = VerifyCostCurve.passSizes(maximum: maximum)
        let caps = kernels.library.device.capabilities
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        // The running binary's build time too: new kernels may change the curve.
        let built = Bundle.main.executableURL.flatMap {
            try? FileManager.default.attributesOfItem(atPath: $0.path)[.modificationDate] as? Date
        }.map { Int($0.timeIntervalSince1970) } ?? 0
        let name = "\(URL(fileURLWithPath: path).lastPathComponent)-\(bytes)-\(caps.name)-\(caps.driverVersion)-\(built)"
        let key = String(name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        let covers = { (c: VerifyCostCurve) in (c.tokens.last ?? 0) >= sizes.last! && c.tokens.count >= 2 }
        if let curve = loadedCurves.withLock({ $0[key] }), covers(curve) { return curve }
        let file = kernels.library.options.spirvCacheDirectory?.deletingLastPathComponent().appending(path: "verify-cost/\(key).json")
        if let file, let data = try? Data(contentsOf: file), let curve = try? JSONDecoder().decode(VerifyCostCurve.self, from: data),
           covers(curve) {
            loadedCurves.withLock { $0[key] = curve }
            return curve
        }
        let prompt = Array(0..<min(32, configuration.vocabulary))
        let measured = try verifyCost(after: prompt, tokens: sizes, repeats: 3)
        // Relative to this measurement's own one-token pass (the first pass of all also warmed up).
        let one = measured.points.first { $0.tokens == 1 }?.seconds ?? measured.points[0].seconds
        let curve = VerifyCostCurve(tokens: measured.points.map(\.tokens), ratios: measured.points.map { $0.seconds / one })
        loadedCurves.withLock { $0[key] = curve }
        if let file, let data = try? JSONEncoder().encode(curve) {
            // A read-only cache folder only costs a measurement next time.
            try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? data.write(to: file, options: .atomic)
        }
        return curve
    }
}
