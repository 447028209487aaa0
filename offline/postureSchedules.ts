/**
 * What the posture report reads of the scheduled protection (secret escrow, user-pool export, table
 * exports): every EventBridge Scheduler schedule of a stack whose target is one of its Lambda
 * functions, with the function's settings (environment) and what the schedule's input names. The
 * RPO outside the account follows from the schedule's interval plus the exports bucket's
 * replication time control, both read from the resources.
 */
import { schedulerIntervalHours } from "../aws/rules";
import { RecordedResource } from "./types";

export const SCHEDULE_TYPES = {
    schedule: "aws:scheduler/schedule:Schedule",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
    lambda: "aws:lambda/function:Function",
} as const;

export type ScheduledTask =
    "secret-escrow" | "user-pool-export" | "table-export" | "users-round-trip" | "evidence-pack";

const TASKS: ScheduledTask[] = [
    "secret-escrow",
    "user-pool-export",
    "table-export",
    "users-round-trip",
    "evidence-pack",
];

export interface ScheduledProtection {
    task: ScheduledTask;
    schedule: string;
    expression: string;
    intervalHours: number;
    /** The secrets, user pool or tables the run covers. */
    subjects: string[];
    /** `full` or `incremental`, for table exports. */
    mode?: string;
    /** The bucket the function writes to (its environment). */
    bucket?: string;
    /** An EventBridge rule also invokes the function (escrow within minutes of a change). */
    onChange: boolean;
}

const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function parseJson(text: string | undefined): Record<string, unknown> {
    try {
        return obj(JSON.parse(text ?? ""));
    } catch {
        return {};
    }
}

function subjectsOf(task: ScheduledTask, input: Record<string, unknown>, env: Record<string, unknown>): string[] {
    if (task === "secret-escrow") {
        // The function escrows what its environment lists; the schedule's input only labels the run.
        const listed = parseJson(`{"s":${str(env.ESCROW_SECRETS) ?? "[]"}}`).s;
        return Array.isArray(listed) ? listed.map((s) => str(obj(s).name) ?? "").filter(Boolean) : [];
    }
    if (task === "user-pool-export" || task === "users-round-trip")
        return [str(env.USER_POOL_NAME) ?? ""].filter(Boolean);
    if (task === "evidence-pack") return [str(env.ACCOUNT_ID) ?? ""].filter(Boolean);
    return Array.isArray(input.tables) ? input.tables.map(String) : [];
}

/** Every schedule of the resources that invokes a function of the same resources with a protection task. */
export function scheduledProtection(resources: RecordedResource[]): ScheduledProtection[] {
    const functions = new Map<string, RecordedResource>();
    for (const r of resources)
        if (r.type === SCHEDULE_TYPES.lambda && str(r.outputs.arn)) functions.set(str(r.outputs.arn)!, r);
    const ruleTargets = new Set(
        resources.filter((r) => r.type === SCHEDULE_TYPES.eventTarget).map((r) => str(r.inputs.arn) ?? ""),
    );
    const out: ScheduledProtection[] = [];
    for (const s of resources.filter((r) => r.type === SCHEDULE_TYPES.schedule)) {
        if (str(s.inputs.state) === "DISABLED") continue;
        const target = obj(s.inputs.target);
        const fnArn = str(target.arn);
        const fn = fnArn ? functions.get(fnArn) : undefined;
        if (!fn) continue;
        const input = parseJson(str(target.input));
        const task = str(input.task) as ScheduledTask | undefined;
        if (!task || !TASKS.includes(task)) continue;
        const env = obj(obj(fn.inputs.environment).variables);
        const expression = str(s.inputs.scheduleExpression) ?? "";
        out.push({
            task,
            schedule: str(s.inputs.name) ?? s.name,
            expression,
            intervalHours: schedulerIntervalHours(expression),
            subjects: subjectsOf(task, input, env),
            mode: str(input.mode),
            bucket: str(env.ESCROW_BUCKET) ?? str(env.EXPORT_BUCKET) ?? str(env.EVIDENCE_BUCKET),
            onChange: ruleTargets.has(fnArn!),
        });
    }
    return out;
}

/**
 * The monthly proofs of a deployment stack (issue 17), read from its schedules: a user-pool export
 * that no round trip ever imports is unproven, and a stack without an evidence pack leaves an auditor
 * without the month's document. Either configured away (`automation.userPoolRoundTrip`,
 * `automation.evidencePack`) is a gap.
 */
export function proofScheduleGaps(stack: string, resources: RecordedResource[]): string[] {
    const found = scheduledProtection(resources);
    const gaps: string[] = [];
    const exported = new Set(found.filter((p) => p.task === "user-pool-export").flatMap((p) => p.subjects));
    const tried = new Set(found.filter((p) => p.task === "users-round-trip").flatMap((p) => p.subjects));
    for (const pool of exported)
        if (!tried.has(pool))
            gaps.push(`${stack}: ${pool}'s exports are never imported to prove them (no monthly user-pool round trip)`);
    if (found.some((p) => p.task !== "evidence-pack") && !found.some((p) => p.task === "evidence-pack"))
        gaps.push(
            `${stack}: no monthly evidence pack: restore tests, copy lags and audit results reach no archived document`,
        );
    return gaps;
}

/** The schedule lines of the monthly proofs, for the posture report: what runs when, over what. */
export function proofScheduleLines(resources: RecordedResource[]): string[] {
    return scheduledProtection(resources)
        .filter((p) => p.task === "users-round-trip" || p.task === "evidence-pack")
        .map((p) =>
            p.task === "users-round-trip"
                ? `user-pool round trip ${p.expression}: the newest export of ${p.subjects.join(", ")} imported into a scratch pool and compared`
                : `evidence pack ${p.expression}: the previous month's document for account ${p.subjects.join(", ")} into ${p.bucket ?? "the archives"}`,
        );
}

/** `1 h 15 min`, `25 h`, `15 min`. */
export function duration(hours: number): string {
    const total = Math.round(hours * 60);
    const h = Math.floor(total / 60);
    const m = total % 60;
    if (h === 0) return `${m} min`;
    return m ? `${h} h ${m} min` : `${h} h`;
}
