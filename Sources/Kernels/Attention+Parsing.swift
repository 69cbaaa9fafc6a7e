import Foundation

extension Attention {
    /// Changes to the device's preferred configuration (a tuning knob, `KernelOptions.attention`):
    /// each field that is set replaces the preferred value.
    public struct Overrides: Hashable, Sendable {
        public var subgroupsPerWorkgroup: Int?, maxHeadsPerSubgroup: Int?, slotsPerStep: Int?

        public init(subgroupsPerWorkgroup: Int? = nil, maxHeadsPerSubgroup: Int? = nil, slotsPerStep: Int? = nil) {
            (self.subgroupsPerWorkgroup, self.maxHeadsPerSubgroup, self.slotsPerStep) = (subgroupsPerWorkgroup, maxHeadsPerSubgroup, slotsPerStep)
        }

        /// Reads `key=value` fields separated by commas (`subgroups`, `heads`, `slots`: subgroups a
        /// workgroup, most query heads a subgroup, slots a step; `AUGUR_ATTENTION`'s syntax); an
        /// unknown key or a bad value is an error.
        public init(parsing text: String) throws {
            for field in text.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let n = Int(parts[1]), n > 0 else {
                    throw KernelError.invalidArgument("attention configuration '\(text)': '\(field)' is not key=positive integer")
                }
                switch parts[0] {
                case "subgroups": subgroupsPerWorkgroup = n
                case "heads": maxHeadsPerSubgroup = n
                case "slots": slotsPerStep = n
                default:
                    throw KernelError.invalidArgument("attention configuration '\(text)': unknown key '\(parts[0])' (subgroups, heads, slots)")
                }
            }
        }

        /// `base` with the fields that are set replaced.
        public func applied(to base: Configuration) -> Configuration {
            var c = base
            if let subgroupsPerWorkgroup { c.subgroupsPerWorkgroup = subgroupsPerWorkgroup }
            if let maxHeadsPerSubgroup { c.maxHeadsPerSubgroup = maxHeadsPerSubgroup }
            if let slotsPerStep { c.slotsPerStep = slotsPerStep }
            return c
        }
    }
}

extension Attention.Configuration {
    /// `base` with the fields that `text` names (`Attention.Overrides(parsing:)`) replaced.
    public init(parsing text: String, over base: Attention.Configuration) throws {
        self = try Attention.Overrides(parsing: text).applied(to: base)
    }
}
