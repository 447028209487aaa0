/**
 * Preloaded (`node --require`) into the dynamic provider host by the provider-host spec, to run it
 * as after `npm ci --omit=dev`: any package that is only a devDependency of this project cannot be
 * resolved, as it would not be installed. A provider that still reached for ts-node would fail here.
 */
const Module = require("module");
const path = require("path");

const manifest = require(path.resolve(__dirname, "../../package.json"));
const devOnly = new Set(
    Object.keys(manifest.devDependencies || {}).filter((name) => !(name in (manifest.dependencies || {}))),
);
const packageOf = (request) => {
    const parts = request.split("/");
    return request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
    if (!request.startsWith(".") && !path.isAbsolute(request) && devOnly.has(packageOf(request))) {
        const error = new Error(`Cannot find module '${request}' (a devDependency, absent after npm ci --omit=dev)`);
        error.code = "MODULE_NOT_FOUND";
        throw error;
    }
    return resolve.call(this, request, ...rest);
};
