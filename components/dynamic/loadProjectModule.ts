/**
 * Loads a module of this project from inside a dynamic provider, at run time.
 *
 * Pulumi serializes the provider object of a `pulumi.dynamic.Resource` into the state of every
 * resource and evaluates that text in a separate provider host. Anything a provider method captures
 * is serialized with it, so provider methods capture only this small function and load their logic
 * (and the AWS SDK) when they run. Keep this module free of other exports: it is serialized whole.
 *
 * The provider host is plain Node started in the program directory (it loads
 * `./node_modules/@pulumi/pulumi/cmd/dynamic-provider`), and evaluates the provider with an empty
 * file name, so a relative `require` would resolve against the host, not this project. It registers
 * no TypeScript loader, so this compiles a `.ts` module itself with `typescript`, a production
 * dependency: `npm ci --omit=dev` removes ts-node but not typescript. The paths passed here are in
 * the state of every deployed resource, which is why tests/components/dynamic/providerHost.spec.ts
 * pins them: moving a logic file fails a test instead of the next refresh of a deployed stack.
 */
// Requires, not imports, throughout: whatever this function captures is serialized into the state.
export function loadProjectModule(projectRelativePath: string): unknown {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path: typeof import("path") = require("path");
    if (!require.extensions[".ts"]) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const ts: typeof import("typescript") = require(require.resolve("typescript", { paths: [process.cwd()] }));
        require.extensions[".ts"] = (module, filename) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const source: string = require("fs").readFileSync(filename, "utf8");
            const { outputText } = ts.transpileModule(source, {
                fileName: filename,
                compilerOptions: {
                    module: ts.ModuleKind.CommonJS,
                    target: ts.ScriptTarget.ES2022,
                    esModuleInterop: true,
                },
            });
            (module as unknown as { _compile(code: string, file: string): void })._compile(outputText, filename);
        };
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.resolve(process.cwd(), projectRelativePath));
}
