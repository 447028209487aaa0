/**
 * In production, the resources whose loss loses backups carry `protect: true`, so a mistaken
 * `pulumi destroy` or a replace-by-rename stops instead of deleting them.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { bucketTier, PRODUCTION_DEFAULTS, ProductionConfig, productionStatus } from "./lib/conventions";
import { configWithDefaults, validateTypes } from "./lib/policy";
import { BUCKET, BUCKET_OBJECT_LOCK, KMS_KEY, TABLE, VAULT, VAULT_LOCK } from "./lib/tokens";

const STATEFUL_TYPES = [VAULT, VAULT_LOCK, KMS_KEY, TABLE, ...BUCKET, ...BUCKET_OBJECT_LOCK];

const KIND: Record<string, string> = {
    [VAULT]: "Backup vault",
    [VAULT_LOCK]: "Vault lock",
    [KMS_KEY]: "KMS key",
    [TABLE]: "DynamoDB table",
};

const statefulProtectedName = "stateful-resources-protected";

export const statefulProtected: ResourceValidationPolicy = {
    name: statefulProtectedName,
    description:
        "In production stacks, backup vaults, vault locks, KMS keys, DynamoDB tables, buckets holding backups and their Object Lock " +
        "configurations are created with `protect: true`.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Pass `{ protect: true }` in the resource options (or as the component's option, which its children inherit).",
    configSchema: {
        properties: {
            production: {
                type: "boolean",
                description:
                    "Force the stack to count (true) or not (false) as production; otherwise the stack tag decides, and with neither set the policy fails closed.",
            },
            productionTagKey: { type: "string", default: PRODUCTION_DEFAULTS.productionTagKey },
            productionTagValues: {
                type: "array",
                items: { type: "string" },
                default: PRODUCTION_DEFAULTS.productionTagValues,
            },
        },
    },
    validateResource: validateTypes<Record<string, unknown>>(STATEFUL_TYPES, (props, args, reportViolation) => {
        const config = configWithDefaults<ProductionConfig>(args, PRODUCTION_DEFAULTS);
        // Fails closed: a production stack whose tag nobody set must not pass with nothing protected.
        const production = productionStatus(config, args.stackTags);
        if (production === false) {
            args.notApplicable(
                config.production === false
                    ? "Not a production stack (the policy config sets production: false)"
                    : `Not a production stack (stack tag '${config.productionTagKey}' is not one of ${config.productionTagValues.join(", ")})`,
            );
        }
        if ((BUCKET as readonly string[]).includes(args.type) && !bucketTier(props)) {
            args.notApplicable("The bucket holds no backups");
        }
        if (args.opts.protect) return;
        const kind =
            KIND[args.type] ??
            ((BUCKET as readonly string[]).includes(args.type) ? "Backup bucket" : "Object Lock configuration");
        if (production === undefined) {
            reportViolation(
                `${kind} '${args.name}' is not protected, and the stack's production status is unknown: neither this policy's config ` +
                    `\`production\` nor the stack tag '${config.productionTagKey}' is set. Set it with \`pulumi stack tag set ${config.productionTagKey} prod\` ` +
                    `(or \`ci\` for a non-production stack), or with --policy-pack-config \`{ "${statefulProtectedName}": { "production": true } }\` (or false).`,
            );
            return;
        }
        reportViolation(
            `${kind} '${args.name}' is not protected in a production stack. Pass \`protect: true\` in its resource options.`,
        );
    }),
};

export const noForceDestroy: ResourceValidationPolicy = {
    name: "backup-storage-no-force-destroy",
    description:
        "No backup vault or bucket holding backups sets `forceDestroy`, which lets `pulumi destroy` delete it with every recovery point or object in it.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Remove `forceDestroy: true` (or set it to false) on the vault or bucket.",
    validateResource: validateTypes<{ forceDestroy?: boolean }>([VAULT, ...BUCKET], (props, args, reportViolation) => {
        if ((BUCKET as readonly string[]).includes(args.type) && !bucketTier(props as Record<string, unknown>)) {
            args.notApplicable("The bucket holds no backups");
        }
        if (props.forceDestroy === true) {
            reportViolation(
                `${args.type === VAULT ? "Backup vault" : "Backup bucket"} '${args.name}' sets forceDestroy, so deleting it deletes every backup in it. Remove \`forceDestroy\`.`,
            );
        }
    }),
};

export const protectionPolicies = [statefulProtected, noForceDestroy];
