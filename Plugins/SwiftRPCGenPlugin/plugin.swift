import Foundation
import PackagePlugin

/// Compiles the `.x` files of a target with swift-rpcgen at build time. Options come from an
/// optional `swift-rpcgen-config.json` in the target's directory:
///
/// ```json
/// { "accessLevel": "internal", "naming": "idiomatic", "generate": ["types", "client", "server"],
///   "includeDirectories": ["../xdr"], "defines": ["DEBUG=1"], "renames": {"foo_t": "Foo"},
///   "sources": ["../../xdr/interop.x", "/usr/include/rpcsvc/rstat.x"],
///   "types": {"uint32": "unsigned int"}, "modules": {"NFSv3": "../NFSv3/nfs_prot.x"},
///   "streams": ["ypresp_all"] }
/// ```
///
/// `sources` names `.x` files outside the target (relative to the target's directory, or
/// absolute, such as the ones a system package installs); they are compiled like the target's
/// own `.x` files. All the `.x` files of a target form one unit: each may use the types of the
/// others, and each type is generated once. `types` maps type names left to a C header to XDR
/// types (`--type`); `modules` names `.x` files whose types another Swift module already has
/// (`--use-module`): they are used from there, and the module is imported. `streams` names
/// unions returned as streams (`--stream`, NIS `ypresp_all`); `headers` names C headers whose
/// integer `#define`s the `.x` files use (`--macros-from`).
@main
struct SwiftRPCGenPlugin: BuildToolPlugin {
    struct Configuration: Decodable {
        var accessLevel: String?
        var naming: String?
        var generate: [String]?
        var includeDirectories: [String]?
        var defines: [String]?
        var renames: [String: String]?
        var sources: [String]?
        var types: [String: String]?
        var modules: [String: String]?
        var streams: [String]?
        var headers: [String]?
    }

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let tool = try context.tool(named: "swift-rpcgen")
        let configurationURL = target.directoryURL.appending(path: "swift-rpcgen-config.json")
        var configuration = Configuration()
        var inputs: [URL] = []
        if let data = try? Data(contentsOf: configurationURL) {
            configuration = try JSONDecoder().decode(Configuration.self, from: data)
            inputs.append(configurationURL)
        }
        var options: [String] = []
        if let level = configuration.accessLevel { options += ["--access-level", level] }
        if let naming = configuration.naming { options += ["--naming", naming] }
        if let parts = configuration.generate { options += ["--generate", parts.joined(separator: ",")] }
        for directory in configuration.includeDirectories ?? [] {
            options += ["-I", target.directoryURL.appending(path: directory).path]
        }
        for define in configuration.defines ?? [] { options += ["-D", define] }
        for (name, swiftName) in (configuration.renames ?? [:]).sorted(by: { $0.key < $1.key }) {
            options += ["--rename", "\(name)=\(swiftName)"]
        }
        for (name, type) in (configuration.types ?? [:]).sorted(by: { $0.key < $1.key }) {
            options += ["--type", "\(name)=\(type)"]
        }
        for type in configuration.streams ?? [] { options += ["--stream", type] }
        var headerFiles: [URL] = []
        for path in configuration.headers ?? [] {
            let file = path.hasPrefix("/") ? URL(filePath: path) : target.directoryURL.appending(path: path).standardized
            options += ["--macros-from", file.path]
            headerFiles.append(file)
        }
        var moduleFiles: [URL] = []
        for (module, path) in (configuration.modules ?? [:]).sorted(by: { $0.key < $1.key }) {
            let file = path.hasPrefix("/") ? URL(filePath: path) : target.directoryURL.appending(path: path).standardized
            options += ["--use-module", "\(module)=\(file.path)"]
            moduleFiles.append(file)
        }
        let outputDirectory = context.pluginWorkDirectoryURL.appending(path: "GeneratedSources")
        let external = (configuration.sources ?? []).map { path in
            path.hasPrefix("/") ? URL(filePath: path) : target.directoryURL.appending(path: path).standardized
        }
        let files = target.sourceFiles(withSuffix: "x").map(\.url) + external
        return files.map { file in
            let stem = file.deletingPathExtension().lastPathComponent
            let others = files.filter { $0 != file }
            return .buildCommand(
                displayName: "swift-rpcgen \(file.lastPathComponent)",
                executable: tool.url,
                arguments: options + others.flatMap { ["--unit", $0.path] }
                    + ["--output-directory", outputDirectory.path, file.path],
                inputFiles: [file] + others + moduleFiles + headerFiles + inputs,
                outputFiles: [outputDirectory.appending(path: "\(stem).swift")])
        }
    }
}
