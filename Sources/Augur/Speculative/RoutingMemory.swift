import Foundation

/// What routing among combined drafters learned, kept across requests: each request builds a new
/// `CombinedDrafter`, which starts from the last one's records of the same drafters instead of
/// paying again to learn that, say, self-speculation never pays on this device. A target model
/// holds one (`Model.routingMemory`); it is safe to share between threads.
public final class RoutingMemory: @unchecked Sendable {
    struct Entry {
        var records: [CombinedDrafter.Record]
        var verifySeconds: [Double]
    }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    public init() {}

    func recall(_ key: String) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func remember(_ key: String, _ entry: Entry) {
        lock.lock()
        defer { lock.unlock() }
        entries[key] = entry
    }

    /// Forgets everything (say, after the device or the drafters' models changed).
    public func clear() {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll()
    }
}
