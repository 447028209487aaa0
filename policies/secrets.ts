/**
 * Critical secrets (the user-sub hash salt above all: lose it and every user's data mapping is
 * lost) have a replica in another region. Secrets the project owns carry `replicas`; secrets another
 * tool owns get their replica from the project's dynamic resource, whose inputs name `secretId`
 * and `replicaRegion`.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { readKnown } from "./lib/joins";
import { asArray, configWithDefaults, ofTypes, tagsOf } from "./lib/policy";
import { isDynamic, SECRET, SecretProps } from "./lib/tokens";

export const CRITICAL_TAG = "vat-backup:critical";

export interface CriticalSecretsConfig {
    /** Names of the secrets that must be replicated, owned by the stack or not (from the stack config's `secrets`). */
    criticalSecrets: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/** Does a secret id (a name or an ARN, whose name carries a 6-character suffix) name this secret? */
export function secretIdNames(secretId: string, name: string): boolean {
    if (secretId === name) return true;
    const marker = ":secret:";
    const at = secretId.indexOf(marker);
    if (at < 0) return false;
    const arnName = secretId.slice(at + marker.length);
    return arnName === name || (arnName.startsWith(`${name}-`) && arnName.length === name.length + 7);
}

interface ReplicaResource {
    resource: PolicyResource;
    secretId: string;
    replicaRegion: string | undefined;
    sourceRegion: string | undefined;
}

function replicaResources(resources: PolicyResource[]): ReplicaResource[] {
    const out: ReplicaResource[] = [];
    for (const r of resources.filter((x) => isDynamic(x.type))) {
        const secretId = str(readKnown(() => r.props.secretId));
        if (!secretId) continue;
        out.push({
            resource: r,
            secretId,
            replicaRegion: str(readKnown(() => r.props.replicaRegion)),
            sourceRegion: str(readKnown(() => r.props.region)) ?? str(readKnown(() => r.props.sourceRegion)),
        });
    }
    return out;
}

export const criticalSecretsReplicated: StackValidationPolicy = {
    name: "critical-secrets-replicated",
    description:
        "Every critical secret (named in this policy's `criticalSecrets` config, or tagged `vat-backup:critical=true`) has a replica in another region.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "For a secret the stack owns, add `replicas: [{ region: <DR region> }]` to the aws.secretsmanager.Secret. For a secret another tool " +
        "owns, add the project's secret-replica resource with `secretId` and a `replicaRegion` other than the secret's region.",
    configSchema: {
        properties: {
            criticalSecrets: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    validateStack: (args, reportViolation) => {
        const { criticalSecrets } = configWithDefaults<CriticalSecretsConfig>(args, { criticalSecrets: [] });
        const owned = ofTypes(args.resources, SECRET);
        const replicas = replicaResources(args.resources);
        const ownedCritical = owned.filter((s) => {
            const name = str(readKnown(() => s.props.name));
            return tagsOf(s.props)[CRITICAL_TAG] === "true" || (name !== undefined && criticalSecrets.includes(name));
        });
        if (criticalSecrets.length === 0 && ownedCritical.length === 0 && replicas.length === 0) {
            args.notApplicable("No critical secrets configured or tagged, and no secret replicas in the stack");
        }

        for (const secret of ownedCritical) {
            const props = secret.props as SecretProps;
            const region = str(readKnown(() => props.region)) ?? str(readKnown(() => secret.provider?.props.region));
            const elsewhere = asArray(props.replicas).filter((r) => r.region && r.region !== region);
            if (elsewhere.length === 0) {
                reportViolation(
                    `Critical secret '${props.name ?? secret.name}' has no replica in another region. Add \`replicas: [{ region: <DR region> }]\`.`,
                    secret.urn,
                );
            }
        }

        const ownedNames = new Set(
            owned.map((s) => str(readKnown(() => s.props.name))).filter((n): n is string => !!n),
        );
        for (const name of criticalSecrets) {
            if (ownedNames.has(name)) continue;
            const found = replicas.filter((r) => secretIdNames(r.secretId, name));
            if (found.length === 0) {
                reportViolation(
                    `Critical secret '${name}' has no replica in this stack. Add a secret-replica resource with secretId '${name}' and a replicaRegion.`,
                );
            }
        }

        for (const replica of replicas) {
            if (!replica.replicaRegion) {
                reportViolation(
                    `Secret replica '${replica.resource.name}' of '${replica.secretId}' names no replicaRegion.`,
                    replica.resource.urn,
                );
            } else if (replica.sourceRegion && replica.replicaRegion === replica.sourceRegion) {
                reportViolation(
                    `Secret replica '${replica.resource.name}' of '${replica.secretId}' is in the secret's own region ${replica.replicaRegion}; a replica must be in another region.`,
                    replica.resource.urn,
                );
            }
        }
    },
};

export const secretPolicies = [criticalSecretsReplicated];
