import { Command } from "commander";
import { DrContext } from "../context";
import { ExitCodeValue } from "../errors";

/** One command of the DR tool: its arguments and options, and what it does. */
export interface CommandSpec {
    name: string;
    summary: string;
    configure(cmd: Command): void;
    run(ctx: DrContext, args: string[], options: Record<string, unknown>): Promise<ExitCodeValue>;
}
