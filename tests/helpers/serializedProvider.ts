/**
 * Evaluates a dynamic resource's serialized `__provider` text the way Pulumi's provider host does
 * (`requireFromString(text).handler()` in @pulumi/pulumi/cmd/dynamic-provider): a fresh module with
 * an empty file name, resolving modules from the working directory. A test that calls the result
 * proves the provider still works after serialization, not just before it.
 */
import Module from "node:module";
import type * as pulumi from "@pulumi/pulumi";

interface InternalModule {
    paths: string[];
    _compile(code: string, filename: string): void;
    exports: { handler: () => pulumi.dynamic.ResourceProvider };
}

interface ModuleInternals {
    new (id: string): InternalModule;
    _nodeModulePaths(from: string): string[];
}

export function providerFromSerializedText(text: string): pulumi.dynamic.ResourceProvider {
    const internals = Module as unknown as ModuleInternals;
    const module = new internals("");
    module.paths = internals._nodeModulePaths(process.cwd());
    module._compile(text, "");
    return module.exports.handler();
}
