/**
 * Packages a Lambda handler written in TypeScript: the handler and every project module it imports
 * by relative path, transpiled to CommonJS at their repository paths. Packages (the AWS SDK v3) are
 * not bundled: the Node.js Lambda runtime provides them.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

/** Transpiled sources by their path in the archive, starting from `entry` (relative to the repository). */
export function lambdaSources(entry: string): Record<string, string> {
    const out: Record<string, string> = {};
    const visit = (file: string) => {
        const rel = path.relative(ROOT, file).replace(/\.ts$/, ".js");
        if (out[rel] !== undefined) return;
        const source = fs.readFileSync(file, "utf8");
        out[rel] = ts.transpileModule(source, {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
            fileName: file,
        }).outputText;
        for (const imported of ts.preProcessFile(source, true, false).importedFiles) {
            if (!imported.fileName.startsWith(".")) continue;
            const resolved = path.resolve(path.dirname(file), imported.fileName);
            const candidate = [`${resolved}.ts`, path.join(resolved, "index.ts")].find((f) => fs.existsSync(f));
            if (!candidate)
                throw new Error(
                    `${file} imports ${imported.fileName}, which is not a TypeScript module of this project`,
                );
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
