/**
 * The DR commands of docs/runbook.md, exactly as written in its code blocks, per section: the
 * runbook tests parse them with the CLI's own parser and run them against the estate stand-in.
 */
import * as fs from "fs";
import * as path from "path";

export interface RunbookCommand {
    section: string;
    line: string;
    argv: string[];
}

/** Splits a shell line into words (quotes and `$(...)` substitutions kept whole; `> file` dropped). */
export function shellWords(line: string): string[] {
    const words: string[] = [];
    let current = "";
    let quote: string | undefined;
    let depth = 0;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
            if (c === quote) quote = undefined;
            else current += c;
        } else if (c === "'" || c === '"') quote = c;
        else if (c === "$" && line[i + 1] === "(") {
            depth++;
            current += c;
        } else if (c === ")" && depth > 0) {
            depth--;
            current += c;
        } else if (/\s/.test(c) && depth === 0) {
            if (current) words.push(current);
            current = "";
        } else current += c;
    }
    if (current) words.push(current);
    const redirect = words.indexOf(">");
    return redirect >= 0 ? words.slice(0, redirect) : words;
}

/** Every line of the runbook's sh blocks, continuations joined and comments dropped, by `## ` section. */
export function runbookShellLines(
    file = path.resolve(__dirname, "../../docs/runbook.md"),
): { section: string; line: string }[] {
    const lines: { section: string; line: string }[] = [];
    let section = "";
    let inBlock = false;
    let pending = "";
    for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
        const line = raw.trim();
        if (!inBlock && raw.startsWith("## ")) section = raw.slice(3).trim();
        if (line.startsWith("```")) {
            inBlock = !inBlock && line.startsWith("```sh");
            continue;
        }
        if (!inBlock) continue;
        pending = pending ? `${pending} ${line}` : line;
        if (pending.endsWith("\\")) {
            pending = pending.slice(0, -1).trim();
            continue;
        }
        lines.push({ section, line: pending.replace(/\s+#.*$/, "") });
        pending = "";
    }
    return lines;
}

/** Every `npm run dr -- ...` line of the runbook's sh blocks, continuations joined, by `## ` section. */
export function runbookCommands(file = path.resolve(__dirname, "../../docs/runbook.md")): RunbookCommand[] {
    return runbookShellLines(file).flatMap(({ section, line }) => {
        const words = shellWords(line);
        return words.slice(0, 4).join(" ") === "npm run dr --" ? [{ section, line, argv: words.slice(4) }] : [];
    });
}

/** Every `s3://bucket/prefix` the runbook's sh blocks name, split into bucket and key prefix. */
export function runbookS3Paths(file?: string): { section: string; bucket: string; prefix: string }[] {
    return runbookShellLines(file).flatMap(({ section, line }) =>
        shellWords(line)
            .filter((w) => w.startsWith("s3://"))
            .map((w) => {
                const [bucket, ...key] = w.slice("s3://".length).split("/");
                return { section, bucket, prefix: key.join("/") };
            }),
    );
}

/** The commands of the section whose heading starts with `prefix` (e.g. "6."). */
export function scenario(prefix: string): RunbookCommand[] {
    return runbookCommands().filter((c) => c.section.startsWith(prefix));
}
