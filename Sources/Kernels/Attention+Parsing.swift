import Foundation
import VulkanRuntime

extension Attention.Configuration {
    /// Reads `key=value` fields separated by commas (`subgroups`, `heads`, `slots`: subgroups a
    /// workgroup, most query heads a subgroup, slots a step) over `base`; an unknown key or a bad
    /// value is an error.
    public init(parsing text: String, over base: Attention.Configuration) throws {
        self = base
        for field in text.split(separator: ",") {
            let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let n = Int(parts[1]), n > 0 else {
                throw VulkanError.invalidArgument("attention configuration '\(text)': '\(field)' is not key=positive integer")
            }
            switch parts[0] {
            case "subgroups": subgroupsPerWorkgroup = n
            case "heads": maxHeadsPerSubgroup = n
            case "slots": slotsPerStep = n
            default:
                throw VulkanError.invalidArgument("attention configuration '\(text)': unknown key '\(parts[0])' (subgroups, heads, slots)")
            }
        }
    }
}
