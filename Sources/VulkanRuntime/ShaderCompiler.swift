import CShaderc
import Foundation

/// Compiles GLSL compute shaders to SPIR-V with libshaderc. Sources come from an in-memory map
/// (name -> text); `#include "x.glsl"` resolves against the including file's folder, then the root.
public final class ShaderCompiler: @unchecked Sendable {
    public let sources: [String: String]
    private let compiler: OpaquePointer
    private let lock = NSLock()
    public private(set) var compileCount = 0

    public init(sources: [String: String]) {
        self.sources = sources
        self.compiler = shaderc_compiler_initialize()
    }

    deinit {
        shaderc_compiler_release(compiler)
    }

    /// Resolves an include request the way the compiler does.
    public func resolve(_ requested: String, from requesting: String) -> String? {
        let folder = requesting.split(separator: "/").dropLast().joined(separator: "/")
        let relative = Self.normalize(folder.isEmpty ? requested : "\(folder)/\(requested)")
        if let relative, sources[relative] != nil { return relative }
        let rooted = Self.normalize(requested)
        return rooted.flatMap { sources[$0] != nil ? $0 : nil }
    }

    /// Folds "." and ".." out of a relative path; nil when it climbs above the root.
    static func normalize(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." {
                guard parts.popLast() != nil else { return nil }
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// Names of the file and every file it includes, transitively, sorted.
    public func closure(of name: String) -> [String] {
        var seen: Set<String> = []
        var stack = [name]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted, let text = sources[next] else { continue }
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("#include"), let open = trimmed.firstIndex(of: "\""),
                      let close = trimmed[trimmed.index(after: open)...].firstIndex(of: "\"") else { continue }
                let requested = String(trimmed[trimmed.index(after: open)..<close])
                if let path = resolve(requested, from: next) { stack.append(path) }
            }
        }
        return seen.sorted()
    }

    /// Compiles `name` with the given macro definitions into SPIR-V words.
    public func compile(name: String, defines: [String: String]) throws -> [UInt32] {
        guard let source = sources[name] else { throw VulkanError.shaderNotFound(name) }
        lock.lock()
        defer { lock.unlock() }
        let options = shaderc_compile_options_initialize()
        defer { shaderc_compile_options_release(options) }
        shaderc_compile_options_set_target_env(options, shaderc_target_env_vulkan, UInt32(shaderc_env_version_vulkan_1_2.rawValue))
        shaderc_compile_options_set_target_spirv(options, shaderc_spirv_version_1_5)
        shaderc_compile_options_set_optimization_level(options, shaderc_optimization_level_performance)
        for (key, value) in defines.sorted(by: { $0.key < $1.key }) {
            shaderc_compile_options_add_macro_definition(options, key, key.utf8.count, value, value.utf8.count)
        }
        let box = Unmanaged.passRetained(IncludeContext(compiler: self))
        defer { box.release() }
        shaderc_compile_options_set_include_callbacks(options, includeResolve, includeRelease, box.toOpaque())
        let result = shaderc_compile_into_spv(compiler, source, source.utf8.count, shaderc_compute_shader, name, "main", options)
        defer { shaderc_result_release(result) }
        compileCount += 1
        guard shaderc_result_get_compilation_status(result) == shaderc_compilation_status_success else {
            let message = shaderc_result_get_error_message(result).map { String(cString: $0) } ?? "unknown error"
            let variant = defines.isEmpty ? "" : " [" + defines.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "]"
            throw VulkanError.shaderCompile(name: name + variant, message: message)
        }
        let length = shaderc_result_get_length(result)
        guard let bytes = shaderc_result_get_bytes(result), length % 4 == 0 else {
            throw VulkanError.shaderCompile(name: name, message: "compiler returned \(length) bytes of SPIR-V")
        }
        return [UInt32](unsafeUninitializedCapacity: length / 4) { out, n in
            UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: length))
            n = length / 4
        }
    }
}

private final class IncludeContext {
    let compiler: ShaderCompiler
    init(compiler: ShaderCompiler) { self.compiler = compiler }
}

private func includeResolve(
    _ userData: UnsafeMutableRawPointer?, _ requested: UnsafePointer<CChar>?, _ type: Int32,
    _ requesting: UnsafePointer<CChar>?, _ depth: Int
) -> UnsafeMutablePointer<shaderc_include_result>? {
    let context = Unmanaged<IncludeContext>.fromOpaque(userData!).takeUnretainedValue()
    let want = requested.map { String(cString: $0) } ?? ""
    let from = requesting.map { String(cString: $0) } ?? ""
    let result = UnsafeMutablePointer<shaderc_include_result>.allocate(capacity: 1)
    if let path = context.compiler.resolve(want, from: from), let text = context.compiler.sources[path] {
        result.pointee.source_name = UnsafePointer(strdup(path))
        result.pointee.source_name_length = path.utf8.count
        result.pointee.content = UnsafePointer(strdup(text))
        result.pointee.content_length = text.utf8.count
    } else {
        let message = "cannot find include \"\(want)\" from \(from)"
        result.pointee.source_name = UnsafePointer(strdup(""))
        result.pointee.source_name_length = 0
        result.pointee.content = UnsafePointer(strdup(message))
        result.pointee.content_length = message.utf8.count
    }
    result.pointee.user_data = nil
    return result
}

private func includeRelease(_ userData: UnsafeMutableRawPointer?, _ result: UnsafeMutablePointer<shaderc_include_result>?) {
    guard let result else { return }
    free(UnsafeMutableRawPointer(mutating: result.pointee.source_name))
    free(UnsafeMutableRawPointer(mutating: result.pointee.content))
    result.deallocate()
}
