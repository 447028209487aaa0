/**
 * One AWS Organizations policy (SCP, RCP or backup policy) and its attachments. The document is
 * sent minified: every character counts against the type's size limit (aws/organizations.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { OrganizationPolicyType, POLICY_MAX_CHARS, policySize } from "../../aws/organizations";

export interface OrganizationPolicyArgs {
    type: OrganizationPolicyType;
    policyName: string;
    description: string;
    /** A plain value: its size is checked here, and config validation checks it before anything registers. */
    document: unknown;
    /** Root, OU or account ids. */
    targets: string[];
    tags?: Record<string, string>;
}

/** The problem with a document's size, or undefined when it fits. */
export function policySizeProblem(type: OrganizationPolicyType, name: string, document: unknown): string | undefined {
    const size = policySize(document);
    const max = POLICY_MAX_CHARS[type];
    return size > max ? `${type} '${name}' is ${size} characters; AWS Organizations accepts at most ${max}` : undefined;
}

export class OrganizationPolicy extends pulumi.ComponentResource {
    readonly policy: aws.organizations.Policy;
    readonly attachments: aws.organizations.PolicyAttachment[];

    constructor(name: string, args: OrganizationPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:OrganizationPolicy", name, {}, opts);
        const problem = policySizeProblem(args.type, args.policyName, args.document);
        if (problem) throw new Error(problem);
        this.policy = new aws.organizations.Policy(
            `${name}-policy`,
            {
                name: args.policyName,
                description: args.description,
                type: args.type,
                content: JSON.stringify(args.document),
                tags: args.tags,
            },
            { parent: this },
        );
        this.attachments = args.targets.map(
            (target) =>
                new aws.organizations.PolicyAttachment(
                    `${name}-${target}`,
                    { policyId: this.policy.id, targetId: target },
                    { parent: this },
                ),
        );
        this.registerOutputs({ policyId: this.policy.id });
    }
}
