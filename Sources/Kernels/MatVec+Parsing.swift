import Foundation

extension MatVec {
    /// Changes to the device's preferred configuration (a tuning knob, `KernelOptions.matVec`):
    /// each field that is set replaces the preferred value. `rowsPerLane` sets the rows a lane of
    /// batches too, unless `batchRowsPerLane` is set.
    public struct Overrides: Hashable, Sendable {
        public var lanesPerRow: Int?, columnsPerPass: Int?, workgroupSize: Int?
        public var rowsPerLane: Int?, batchRowsPerLane: Int?
        public var texelPlanes: Bool?, texelInput: Bool?

        public init(lanesPerRow: Int? = nil, columnsPerPass: Int? = nil, workgroupSize: Int? = nil, rowsPerLane: Int? = nil,
                    batchRowsPerLane: Int? = nil, texelPlanes: Bool? = nil, texelInput: Bool? = nil) {
            (self.lanesPerRow, self.columnsPerPass, self.workgroupSize) = (lanesPerRow, columnsPerPass, workgroupSize)
            (self.rowsPerLane, self.batchRowsPerLane) = (rowsPerLane, batchRowsPerLane)
            (self.texelPlanes, self.texelInput) = (texelPlanes, texelInput)
        }

        /// Reads `key=value` fields separated by commas (`lanes`, `rows`, `batch-rows`, `workgroup`,
        /// `columns`, `texel-planes`, `texel-input`; `AUGUR_MATVEC`'s syntax); an unknown key or a bad
        /// value is an error.
        public init(parsing text: String) throws {
            for field in text.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { throw Self.error(text, "'\(field)' is not key=value") }
                let (key, value) = (parts[0], parts[1])
                switch key {
                case "lanes", "rows", "batch-rows", "workgroup", "columns":
                    guard let n = Int(value), n > 0 else { throw Self.error(text, "\(key) takes a positive integer") }
                    switch key {
                    case "lanes": lanesPerRow = n
                    case "rows": rowsPerLane = n
                    case "batch-rows": batchRowsPerLane = n
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

        /// `base` with the fields that are set replaced.
        public func applied(to base: Configuration) -> Configuration {
            var c = base
            if let lanesPerRow { c.lanesPerRow = lanesPerRow }
            if let columnsPerPass { c.columnsPerPass = columnsPerPass }
            if let workgroupSize { c.workgroupSize = workgroupSize }
            if let rowsPerLane { (c.rowsPerLane, c.batchRowsPerLane) = (rowsPerLane, rowsPerLane) }
            if let batchRowsPerLane { c.batchRowsPerLane = batchRowsPerLane }
            if let texelPlanes { c.texelPlanes = texelPlanes }
            if let texelInput { c.texelInput = texelInput }
            return c
        }

        static func error(_ text: String, _ reason: String) -> KernelError {
            .invalidArgument("matvec configuration '\(text)': \(reason)")
        }
    }
}

extension MatVec.Configuration {
    /// `base` with the fields that `text` names (`MatVec.Overrides(parsing:)`) replaced.
    public init(parsing text: String, over base: MatVec.Configuration) throws {
        self = try MatVec.Overrides(parsing: text).applied(to: base)
    }
}
