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
    /** Plain JSON; secret values are the string "[secret]", unknowns are absent. */
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
}

export interface PlanDocument {
    project: string;
    stack: string;
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
