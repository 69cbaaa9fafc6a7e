import Foundation
import VulkanRuntime

extension MatVec.Configuration {
    /// Reads `key=value` fields separated by commas (`lanes`, `rows`, `batch-rows`, `workgroup`,
    /// `columns`, `texel-planes`, `texel-input`) over `base`; an unknown key or a bad value is an
    /// error. `rows` sets `batch-rows` too unless the text names it.
    public init(parsing text: String, over base: MatVec.Configuration) throws {
        self = base
        var batchRowsNamed = false
        for field in text.split(separator: ",") {
            let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw Self.error(text, "'\(field)' is not key=value") }
            let (key, value) = (parts[0], parts[1])
            switch key {
            case "lanes", "rows", "batch-rows", "workgroup", "columns":
                guard let n = Int(value), n > 0 else { throw Self.error(text, "\(key) takes a positive integer") }
                switch key {
                case "lanes": lanesPerRow = n
                case "rows":
                    rowsPerLane = n
                    if !batchRowsNamed { batchRowsPerLane = n }
                case "batch-rows": (batchRowsPerLane, batchRowsNamed) = (n, true)
                case "workgroup": workgroupSize = n
                default: columnsPerPass = n
                }
            case "texel-planes", "texel-input":
                guard let flag = ["1": true, "true": true, "0": false, "false": false][value] else {
                    throw Self.error(text, "\(key) takes true or false")
                }
                if key == "texel-planes" { texelPlanes = flag } else { texelInput = flag }
            default:
                throw Self.error(text, "unknown key '\(key)' (lanes, rows, batch-rows, workgroup, columns, texel-planes, texel-input)")
            }
        }
    }

    static func error(_ text: String, _ reason: String) -> VulkanError {
        .invalidArgument("matvec configuration '\(text)': \(reason)")
    }
}
