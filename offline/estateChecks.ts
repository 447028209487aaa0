/**
 * The estate checks of `npm run plan -- --all`: the wiring between stacks that no single stack's
 * plan (nor the policy pack, which sees one stack) can verify. Each is a violation that fails the
 * run, since AWS would deny or fail the flow at run time while every stack looks right alone:
 *
 * - every cross-account copy lands in a vault a planned stack creates, whose access policy admits
 *   the copying account (AWS Backup, "Creating backup copies across AWS accounts": the destination
 *   vault's access policy must allow backup:CopyIntoBackupVault from the source account);
 * - every copy's retention fits the destination vault's lock (AWS Backup Vault Lock: "AWS Backup
 *   fails a copy job" whose retention is outside [MinRetentionDays, MaxRetentionDays]);
 * - every cross-account replication rule writes into a planned bucket whose bucket policy and key
 *   policy admit the rule's role (S3 User Guide, "Configuring replication for buckets in different
 *   accounts": the destination bucket policy must grant the source bucket owner's role
 *   s3:ReplicateObject, and a KMS-encrypted destination needs the key policy to allow the role).
 */
import type { RecordedResource } from "./types";

export interface PlannedRun {
    stack: string;
    resources: RecordedResource[];
}

export interface EstateViolation {
    check: "copy-destination-planned" | "copy-admitted" | "copy-within-lock" | "replication-admitted";
    stack: string;
    message: string;
}

interface Placed {
    stack: string;
    r: RecordedResource;
    accountId?: string;
    region?: string;
}

interface Statement {
    Effect?: string;
    Principal?: unknown;
    Action?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === "string");

function glob(pattern: string, value: string): boolean {
    const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`, "i").test(value);
}

function statements(document: unknown): Statement[] {
    if (typeof document !== "string") return [];
    try {
        return list((JSON.parse(document) as { Statement?: unknown }).Statement).map((s) => obj(s) as Statement);
    } catch {
        return [];
    }
}

function placeAll(runs: PlannedRun[]): Placed[] {
    const out: Placed[] = [];
    for (const run of runs) {
        const providers = new Map(
            run.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]),
        );
        for (const r of run.resources) {
            const p = r.provider ? providers.get(r.provider) : undefined;
            out.push({
                stack: run.stack,
                r,
                accountId: str(strings(p?.inputs.allowedAccountIds)[0]) ?? str(r.inputs.accountId),
                region: str(p?.inputs.region) ?? str(r.inputs.region),
            });
        }
    }
    return out;
}

/** Does a statement's principal name the account (its root or the account id) or a role of it, or everyone? */
function principalAdmits(principal: unknown, account: string, roleArn?: string): boolean {
    if (principal === "*") return true;
    const aws = strings(obj(principal).AWS);
    return aws.some(
        (p) =>
            p === "*" ||
            p === account ||
            p === `arn:aws:iam::${account}:root` ||
            (roleArn !== undefined && p === roleArn),
    );
}

/** When a statement narrows by aws:PrincipalArn, does it admit the role? */
function principalArnConditionAdmits(condition: Statement["Condition"], roleArn: string): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        const values = strings(obj(keys)["aws:PrincipalArn"]);
        if (values.length === 0) continue;
        if (/^(ArnEquals|StringEquals|ArnLike|StringLike)$/.test(operator) && !values.some((v) => glob(v, roleArn)))
            return false;
        if (
            /^(ArnNotEquals|StringNotEquals|ArnNotLike|StringNotLike)$/.test(operator) &&
            values.some((v) => glob(v, roleArn))
        )
            return false;
    }
    return true;
}

function allows(doc: unknown, action: string, account: string, roleArn?: string): boolean {
    return statements(doc).some(
        (s) =>
            s.Effect === "Allow" &&
            strings(s.Action).some((a) => glob(a, action)) &&
            principalAdmits(s.Principal, account, roleArn) &&
            (roleArn === undefined || principalArnConditionAdmits(s.Condition, roleArn)),
    );
}

const VAULT = "aws:backup/vault:Vault";
const VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy";
const VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
const PLAN = "aws:backup/plan:Plan";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";
const KMS_KEY = "aws:kms/key:Key";
const KMS_ALIAS = "aws:kms/alias:Alias";

function copyChecks(all: Placed[]): EstateViolation[] {
    const out: EstateViolation[] = [];
    const sameVault = (p: Placed, account: string, region: string, name: string) =>
        p.accountId === account && p.region === region && str(p.r.inputs.backupVaultName ?? p.r.inputs.name) === name;
    for (const plan of all.filter((p) => p.r.type === PLAN)) {
        for (const rule of list(plan.r.inputs.rules).map(obj)) {
            for (const copy of list(rule.copyActions).map(obj)) {
                const arn = str(copy.destinationVaultArn);
                const m = arn ? /^arn:aws[\w-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)$/.exec(arn) : null;
                if (!arn || !m || m[2] === plan.accountId) continue;
                const [, region, account, name] = m;
                const what = `stack '${plan.stack}' (account ${plan.accountId}) copies rule '${str(rule.ruleName)}' into ${name} (${account} ${region})`;
                const vault = all.find((p) => p.r.type === VAULT && sameVault(p, account, region, name));
                if (!vault) {
                    out.push({
                        check: "copy-destination-planned",
                        stack: plan.stack,
                        message: `${what}, which no planned stack creates: fix backupAccount (accountId, region, vaultName) or the backup stack's vault`,
                    });
                    continue;
                }
                const policies = all.filter(
                    (p) => p.r.type === VAULT_POLICY && p.stack === vault.stack && sameVault(p, account, region, name),
                );
                if (
                    !policies.some((p) =>
                        allows(p.r.inputs.policy, "backup:CopyIntoBackupVault", plan.accountId ?? "?"),
                    )
                ) {
                    out.push({
                        check: "copy-admitted",
                        stack: plan.stack,
                        message: `${what}, whose access policy does not admit account ${plan.accountId}: AWS denies every copy job. List the account (environment '${plan.stack}') under vat-backup:deploymentAccounts of stack '${vault.stack}'`,
                    });
                }
                const lock = all.find(
                    (p) => p.r.type === VAULT_LOCK && p.stack === vault.stack && sameVault(p, account, region, name),
                );
                if (!lock) continue;
                const min = lock.r.inputs.minRetentionDays as number | undefined;
                const max = lock.r.inputs.maxRetentionDays as number | undefined;
                const keep = obj(copy.lifecycle).deleteAfter as number | undefined;
                const tooShort = min !== undefined && keep !== undefined && keep < min;
                const tooLong = max !== undefined && (keep === undefined || keep > max);
                if (tooShort || tooLong) {
                    out.push({
                        check: "copy-within-lock",
                        stack: plan.stack,
                        message: `${what} kept ${keep ?? "indefinitely"}${keep === undefined ? "" : " days"}, outside the lock of ${name} (${min ?? 1} to ${max ?? "∞"} days): AWS Backup fails the copy job. Align the rule's copy lifecycle with stack '${vault.stack}''s lock`,
                    });
                }
            }
        }
    }
    return out;
}

/** The key a replica KMS key id names (an ARN, a key id, or an alias ARN resolved through the alias). */
function keyNamed(all: Placed[], id: string): Placed | undefined {
    const alias = /:alias\/(.+)$/.exec(id)?.[1];
    const target = alias
        ? str(
              all.find((p) => p.r.type === KMS_ALIAS && str(p.r.inputs.name) === `alias/${alias}`)?.r.inputs
                  .targetKeyId,
          )
        : id;
    if (!target) return undefined;
    return all.find(
        (p) =>
            p.r.type === KMS_KEY &&
            (p.r.outputs.arn === target ||
                p.r.outputs.keyId === target ||
                str(p.r.outputs.arn)?.endsWith(`/${target}`)),
    );
}

function replicationChecks(all: Placed[]): EstateViolation[] {
    const out: EstateViolation[] = [];
    for (const config of all.filter((p) => p.r.type === REPLICATION)) {
        const role = str(config.r.inputs.role);
        const source = config.accountId ?? "?";
        for (const rule of list(config.r.inputs.rules).map(obj)) {
            if (rule.status !== "Enabled") continue;
            const destination = obj(rule.destination);
            const name = str(destination.bucket)?.replace(/^arn:aws[\w-]*:s3:::/, "");
            const bucket = all.find((p) => p.r.type === BUCKET && str(p.r.inputs.bucket) === name);
            if (!name || !role) continue;
            const what = `stack '${config.stack}' replicates ${str(config.r.inputs.bucket)} into ${name} with role ${role}`;
            if (!bucket) {
                if (str(destination.account) && destination.account !== source)
                    out.push({
                        check: "replication-admitted",
                        stack: config.stack,
                        message: `${what}, a bucket no planned stack creates`,
                    });
                continue;
            }
            if (bucket.accountId === source) continue;
            const policies = all.filter(
                (p) => p.r.type === BUCKET_POLICY && p.stack === bucket.stack && str(p.r.inputs.bucket) === name,
            );
            if (!policies.some((p) => allows(p.r.inputs.policy, "s3:ReplicateObject", source, role))) {
                out.push({
                    check: "replication-admitted",
                    stack: config.stack,
                    message: `${what}, but the bucket policy of ${name} (stack '${bucket.stack}') does not allow that role s3:ReplicateObject: every object fails to replicate. Check the account and environment under vat-backup:deploymentAccounts`,
                });
            }
            const keyId = str(obj(destination.encryptionConfiguration).replicaKmsKeyId);
            const key = keyId ? keyNamed(all, keyId) : undefined;
            if (
                key &&
                !allows(key.r.inputs.policy, "kms:GenerateDataKey", source, role) &&
                !allows(key.r.inputs.policy, "kms:Encrypt", source, role)
            ) {
                out.push({
                    check: "replication-admitted",
                    stack: config.stack,
                    message: `${what}, but the policy of its key ${keyId} (stack '${key.stack}') does not let that role encrypt: S3 cannot write the replicas. Check the account and environment under vat-backup:deploymentAccounts`,
                });
            }
        }
    }
    return out;
}

/** Every estate violation of the planned stacks (empty when they are wired together as AWS requires). */
export function estateViolations(runs: PlannedRun[]): EstateViolation[] {
    const all = placeAll(runs);
    return [...copyChecks(all), ...replicationChecks(all)];
}

export function renderEstateViolations(violations: EstateViolation[]): string {
    if (violations.length === 0)
        return "Estate checks:\n    every copy and replication is admitted and fits its destination";
    return [
        "Estate violations:",
        ...violations.map((v) => `    [mandatory] ${v.check}  (${v.stack})\n        ${v.message}`),
        `    ${violations.length} estate violation${violations.length === 1 ? "" : "s"}`,
    ].join("\n");
}
