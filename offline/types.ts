/**
 * What the offline engine records of one resource registration (or read, such as a StackReference): the `--json` contract of
 * `npm run plan`, and the input of the policy run and the posture report.
 */
export interface RecordedResource {
    urn: string;
    /** Type token, e.g. `aws:backup/vault:Vault`, `backup:vault:LocalVault`, `pulumi:providers:aws`. */
    type: string;
    name: string;
    /** True for resources a provider manages; false for components and the stack. */
    custom: boolean;
    parent: string | null;
    /** URN of the explicit provider resource, or null. */
    provider: string | null;
    protect: boolean;
    /**
     * URNs the engine waits for before creating this resource: explicit `dependsOn` and the
     * resources whose outputs its inputs use.
     */
    dependencies?: string[];
    /** Per input property, the URNs its value came from: known even when the value is not. */
    propertyDependencies?: Record<string, string[]>;
    /**
     * Plain JSON; secret values are the string "[secret]". In a preview-mode record, a value not
     * known until the update (an id, an ARN, anything computed from one) is `UNKNOWN`, as the engine
     * sends it to an analyzer.
     */
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
}

export interface PlanDocument {
    project: string;
    stack: string;
    /** True when the plan was evaluated as `pulumi preview` (unknowns kept), false as `pulumi up`. */
    preview?: boolean;
    resources: RecordedResource[];
    policy?: { violations: PolicyViolation[] };
    posture?: unknown;
}

export interface PolicyViolation {
    policy: string;
    level: "advisory" | "mandatory" | "remediate" | "disabled";
    /** URN of the resource, or the stack's URN for a stack policy without a resource. */
    urn: string;
    message: string;
}

export const SECRET = "[secret]";

/** The engine's sentinel for a value unknown during preview (sdk/nodejs/runtime/rpc.ts `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
