/**
 * The project's conventions the pack relies on, in one place so the README can state them.
 *
 * - A bucket or vault **holds backups** when it carries the tag `vat-backup:holds-backups` with
 *   the value `exports` (a deployment account's exports bucket) or `archive` (the backup account's
 *   write-once tier). Without the tag, the names the project gives them count too: buckets named
 *   `*-backup-exports-*` or `vat-backup-archive-*`. Every backup vault holds backups.
 * - The **archive** tier (tag value `archive`, bucket names `vat-backup-archive-*`, the vaults
 *   `central-backup-vault` and `dr-backup-vault`) must be locked in compliance mode.
 * - A stack is **production** when the policy config says `production: true`, or else when the
 *   stack tag `environment` is `prod` or `production` (`pulumi stack tag set environment prod`).
 *   With neither set, its status is unknown and the protection policy fails closed.
 */
import { readKnown } from "./joins";
import { tagsOf } from "./policy";

export const HOLDS_BACKUPS_TAG = "vat-backup:holds-backups";
export const ARCHIVE = "archive";
export const EXPORTS = "exports";

const EXPORTS_BUCKET_NAME = /-backup-exports-/;
const ARCHIVE_BUCKET_NAME = /^vat-backup-archive-/;
export const ARCHIVE_VAULT_NAMES = ["central-backup-vault", "dr-backup-vault"];

export type BackupTier = "exports" | "archive" | undefined;

function tierFromTag(props: Record<string, unknown>): BackupTier | "none" {
    const value = tagsOf(props)[HOLDS_BACKUPS_TAG];
    if (value === undefined) return "none";
    if (value === ARCHIVE) return "archive";
    if (value === "false") return undefined;
    return "exports";
}

/**
 * The bucket's name: its `bucket` input. Resource policies see inputs only, never the `id`; the
 * engine passes them checked, so an auto-named bucket carries its generated name there too.
 */
export function bucketName(props: Record<string, unknown>): string | undefined {
    const name = readKnown(() => props.bucket);
    return typeof name === "string" ? name : undefined;
}

/** The name, or else the `bucketPrefix` input, which the provider completes only on create: enough to match the naming conventions. */
function bucketNameOrPrefix(props: Record<string, unknown>): string {
    const name = bucketName(props);
    if (name !== undefined) return name;
    const prefix = readKnown(() => props.bucketPrefix);
    return typeof prefix === "string" ? prefix : "";
}

export function bucketTier(props: Record<string, unknown>): BackupTier {
    const tagged = tierFromTag(props);
    if (tagged !== "none") return tagged;
    const name = bucketNameOrPrefix(props);
    if (ARCHIVE_BUCKET_NAME.test(name)) return "archive";
    if (EXPORTS_BUCKET_NAME.test(name)) return "exports";
    return undefined;
}

/** The vault's name: its `name` input (checked inputs carry an auto-generated name too). */
export function vaultName(props: Record<string, unknown>): string | undefined {
    const name = readKnown(() => props.name);
    return typeof name === "string" ? name : undefined;
}

/** A vault of the backup account's write-once tier, which must be locked in compliance mode. */
export function isArchiveVault(props: Record<string, unknown>): boolean {
    const tagged = tierFromTag(props);
    if (tagged !== "none") return tagged === "archive";
    return ARCHIVE_VAULT_NAMES.includes(vaultName(props) ?? "");
}

export interface ProductionConfig {
    production?: boolean;
    productionTagKey: string;
    productionTagValues: string[];
}

export const PRODUCTION_DEFAULTS: ProductionConfig = {
    productionTagKey: "environment",
    productionTagValues: ["prod", "production"],
};

/** Whether the stack is production: decided by the config, else by the stack tag; undefined when neither is set. */
export function productionStatus(
    config: ProductionConfig,
    stackTags: ReadonlyMap<string, string>,
): boolean | undefined {
    if (typeof config.production === "boolean") return config.production;
    const value = stackTags.get(config.productionTagKey);
    return value === undefined ? undefined : config.productionTagValues.includes(value);
}
