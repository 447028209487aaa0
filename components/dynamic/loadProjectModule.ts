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
 * file name, so a relative `require` would resolve against the host, not this project. Unlike the
 * language host it does not register ts-node, so this registers it before loading a `.ts` module.
 */
export function loadProjectModule(projectRelativePath: string): any {
    const path = require("path");
    if (!require.extensions[".ts"]) {
        require("ts-node").register({ transpileOnly: true });
    }
    return require(path.resolve(process.cwd(), projectRelativePath));
}
