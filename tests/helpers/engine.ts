/**
 * Test access to the one offline engine: run a checked-in stack (with config overrides) or a
 * single component, then query what was registered.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { OfflineRun, runOffline } from "../../offline/engine";
import { ConfigOverrides, RunModeOptions, runConfigOffline, stackConfig } from "../../offline/stack";
import { RecordedResource } from "../../offline/types";
import { shareRun, sharedRun } from "./sharedRuns";
export { stackConfig };

const runs = new Map<string, Promise<OfflineRun>>();

async function evaluate(stack: string, config: Record<string, string>, mode: RunModeOptions, key: string) {
    const shared = sharedRun<OfflineRun>(key);
    if (shared) return shared;
    const run = await runConfigOffline(stack, config, mode);
    shareRun(key, run);
    return run;
}

/**
 * The offline run of a checked-in stack. A run is a pure function of the stack's config and mode
 * (update or preview), so specs share one run per (stack, config, mode) in each mocha worker, and
 * the workers share the runs they finish (above): keyed by the config the overrides produce, so
 * overrides that repeat the stack file's own values share the stack's run. Each caller gets its own
 * deep copy to change as it likes.
 */
export async function runStackOffline(
    stack: string,
    overrides: ConfigOverrides = {},
    mode: RunModeOptions = {},
): Promise<OfflineRun> {
    const config = stackConfig(stack, overrides);
    const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const key = `${stack}\u0000${JSON.stringify(sorted)}\u0000${mode.preview ? "preview" : "update"}`;
    let run = runs.get(key);
    if (!run) {
        run = evaluate(stack, config, mode, key);
        runs.set(key, run);
        run.catch(() => runs.delete(key));
    }
    return structuredClone(await run);
}

export const TEST_ACCOUNT = "111111111111";
export const TEST_REGION = "eu-west-2";

/** Runs `build` as a tiny program with one explicit provider in the test account and region. */
export async function runComponent(
    build: (provider: aws.Provider) => Record<string, unknown> | void,
    placement: { accountId: string; region: string } = { accountId: TEST_ACCOUNT, region: TEST_REGION },
): Promise<Registered> {
    const run = await runOffline({
        project: "vat-backup",
        stack: "test",
        config: {},
        defaultPlacement: placement,
        program: () => {
            const provider = new aws.Provider("test-provider", {
                region: placement.region as aws.Region,
                allowedAccountIds: [placement.accountId],
            });
            return build(provider) ?? {};
        },
    });
    return new Registered(run);
}

/** Queries over a run's recorded resources. */
export class Registered {
    constructor(readonly run: OfflineRun) {}

    get resources(): RecordedResource[] {
        return this.run.resources;
    }

    get outputs(): Record<string, unknown> {
        return this.run.outputs;
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` (named `name` when given); fails when there are none or several. */
    one(type: string, name?: string): RecordedResource {
        const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
            );
        }
        return found[0];
    }

    named(name: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.name === name);
        if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
        return found[0];
    }

    childrenOf(parent: RecordedResource): RecordedResource[] {
        return this.run.resources.filter((r) => r.parent === parent.urn);
    }

    /** The provider resource a resource was registered with. */
    providerOf(resource: RecordedResource): RecordedResource | undefined {
        return this.run.resources.find((r) => r.urn === resource.provider);
    }
}

/** A JSON policy property (key, bucket, topic, vault, trust) parsed into statements. */
export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

export function policyOf(resource: RecordedResource, property = "policy"): Statement[] {
    const text = resource.outputs[property] ?? resource.inputs[property];
    if (typeof text !== "string") throw new Error(`${resource.name} has no ${property} document`);
    return (JSON.parse(text) as { Statement: Statement[] }).Statement;
}

export function statement(resource: RecordedResource, sid: string, property = "policy"): Statement {
    const found = policyOf(resource, property).find((s) => s.Sid === sid);
    if (!found) throw new Error(`${resource.name} has no statement ${sid}`);
    return found;
}

export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/**
 * A recorded input as the plain value of its provider input type: records hold JSON, never Outputs,
 * so `T` is the provider's input type (e.g. `aws.types.input.backup.PlanRule[]`) unwrapped.
 */
export function inputOf<T>(resource: RecordedResource, key: string): pulumi.Unwrap<T> {
    return resource.inputs[key] as pulumi.Unwrap<T>;
}
