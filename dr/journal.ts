/**
 * What a long command has started, recorded before each step so that the same command, run again
 * after a timeout or a crash, adopts the restore, copy or import already under way instead of
 * starting a second one. The record is keyed by the command line itself (command, arguments and
 * options as typed): a relative `--to -45m` is resolved once, recorded, and read back by the re-run.
 * Nothing is written under --dry-run; the record is removed when the command completes.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DrContext } from "./context";

export class Journal<T extends object> {
    readonly file: string;
    private state: T | undefined;

    constructor(
        private readonly ctx: DrContext,
        identity: unknown,
    ) {
        const key = crypto
            .createHash("sha256")
            .update(JSON.stringify([ctx.command, ctx.opts.stack ?? null, ctx.region, identity]))
            .digest("hex")
            .slice(0, 20);
        this.file = path.resolve(ctx.opts.stateDir ?? ".vat-dr-state", `${ctx.command}-${key}.json`);
        if (fs.existsSync(this.file)) this.state = JSON.parse(fs.readFileSync(this.file, "utf8")) as T;
    }

    /** What an earlier run of the same command recorded, if it did not complete. */
    get previous(): T | undefined {
        return this.state;
    }

    /** Records the state (merged into what is there); nothing under --dry-run. */
    save(update: Partial<T>): T {
        this.state = { ...(this.state ?? {}), ...update } as T;
        if (!this.ctx.dryRun) {
            fs.mkdirSync(path.dirname(this.file), { recursive: true });
            fs.writeFileSync(this.file, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
        }
        return this.state;
    }

    /** The command completed: nothing left to resume. */
    complete(): void {
        if (!this.ctx.dryRun) fs.rmSync(this.file, { force: true });
    }
}
