import Foundation
import PackagePlugin

/// Embeds the package's `Shaders/` folder into the target as Swift string literals, so kernels
/// compile at run time from sources that travel inside the binary.
@main
struct EmbedShaders: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let shaders = context.package.directoryURL.appending(path: "Shaders")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: shaders, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where ["comp", "glsl"].contains(url.pathExtension) {
                inputs.append(url)
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedShaders.swift")
        return [
            .buildCommand(
                displayName: "Embedding shaders from \(shaders.path)",
                executable: try context.tool(named: "ShaderEmbedder").url,
                arguments: [shaders.path, output.path],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
