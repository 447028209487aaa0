/**
 * Packages a Lambda handler written in TypeScript: the handler and every project module it imports
 * by relative path, transpiled to CommonJS at their repository paths. Packages (the AWS SDK v3) are
 * not bundled: the Node.js Lambda runtime provides them.
 *
 * Every plan packages every handler, so each file's transpiled text and imports are kept, keyed by
 * its content (in memory, and on disk under node_modules/.cache when it is writable): the compiler
 * (about a second to load) and its output are only needed for a file not seen before. The text is
 * what `ts.transpileModule` gives for that content, whichever way it was found.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "vat-backup-lambdas");

export interface Transpiled {
    outputText: string;
    /** The module specifiers the file imports, in source order. */
    imports: string[];
}

const transpiledByKey = new Map<string, Transpiled>();
let compiler: typeof ts | undefined;

/** The compiler's output for one file, never cached (tests/offline/fastPath.spec.ts compares the cache with it). */
export function transpileLambdaFile(file: string, source: string): Transpiled {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const typescript: typeof ts = (compiler ??= require("typescript"));
    return {
        outputText: typescript.transpileModule(source, {
            compilerOptions: {
                module: typescript.ModuleKind.CommonJS,
                target: typescript.ScriptTarget.ES2022,
                esModuleInterop: true,
            },
            fileName: file,
        }).outputText,
        imports: typescript.preProcessFile(source, true, false).importedFiles.map((f) => f.fileName),
    };
}

let keyPrefix: string | undefined;
/** What the output depends on besides the file: the compiler's version and this file (its options). */
function cacheKeyPrefix(): string {
    if (keyPrefix === undefined) {
        const manifest = fs.readFileSync(require.resolve("typescript/package.json"), "utf8");
        const { version } = JSON.parse(manifest) as { version: string };
        keyPrefix = `${version}\0${fs.readFileSync(__filename, "utf8")}`;
    }
    return keyPrefix;
}

/** The transpiled file, from memory, the disk cache, or the compiler (in that order). */
function transpiled(file: string, source: string): Transpiled {
    const key = createHash("sha256").update(`${cacheKeyPrefix()}\0${file}\0${source}`).digest("hex");
    const known = transpiledByKey.get(key);
    if (known) return known;
    const cached = path.join(CACHE_DIR, `${key}.json`);
    let result: Transpiled;
    try {
        result = JSON.parse(fs.readFileSync(cached, "utf8")) as Transpiled;
    } catch {
        result = transpileLambdaFile(file, source);
        try {
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            const tmp = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, JSON.stringify(result));
            fs.renameSync(tmp, cached);
        } catch {
            // A cache that cannot be written only costs time.
        }
    }
    transpiledByKey.set(key, result);
    return result;
}

/** Transpiled sources by their path in the archive, starting from `entry` (relative to the repository). */
export function lambdaSources(entry: string): Record<string, string> {
    const out: Record<string, string> = {};
    const visit = (file: string) => {
        const rel = path.relative(ROOT, file).replace(/\.ts$/, ".js");
        if (out[rel] !== undefined) return;
        const { outputText, imports } = transpiled(file, fs.readFileSync(file, "utf8"));
        out[rel] = outputText;
        for (const imported of imports) {
            if (!imported.startsWith(".")) continue;
            const resolved = path.resolve(path.dirname(file), imported);
            const candidate = [`${resolved}.ts`, path.join(resolved, "index.ts")].find((f) => fs.existsSync(f));
            if (!candidate)
                throw new Error(`${file} imports ${imported}, which is not a TypeScript module of this project`);
            visit(candidate);
        }
    };
    visit(path.resolve(ROOT, entry));
    return out;
}

export interface LambdaPackage {
    code: pulumi.asset.AssetArchive;
    /** The handler setting: `<path without .js>.handler`. */
    handler: string;
}

export function lambdaPackage(entry: string, exportName = "handler"): LambdaPackage {
    const sources = lambdaSources(entry);
    const assets: Record<string, pulumi.asset.Asset> = {};
    for (const [file, text] of Object.entries(sources)) assets[file] = new pulumi.asset.StringAsset(text);
    return { code: new pulumi.asset.AssetArchive(assets), handler: `${entry.replace(/\.ts$/, "")}.${exportName}` };
}
