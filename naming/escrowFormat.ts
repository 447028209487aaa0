/**
 * The secret-escrow format, shared by the DR tool (`escrow-secret`, `recover-secret`, `verify`) and
 * the escrow Lambda of each deployment account, so that whichever wrote an escrow, the other reads it.
 *
 * KMS Encrypt takes at most 4 KB of plaintext and a secret may hold more (the salt is a JSON
 * registry of versions), so KMS generates a data key, the value is sealed locally with AES-256-GCM,
 * and only the encrypted data key is stored beside it. The KMS encryption context and the GCM
 * additional data both bind the ciphertext to the secret's name and account (and, from the Lambda,
 * its version), so an escrow object cannot be passed off as another secret's.
 *
 * This module imports only Node's crypto: the Lambda ships it as is, without any package.
 */
import * as crypto from "crypto";

export const ESCROW_FORMAT = "vat-backup-escrow/v1";

/** The KMS encryption context `purpose` of an escrowed secret; key policies admit the escrow only under it. */
export const SECRET_ESCROW_PURPOSE = "vat-backup-secret-escrow";

/** Where escrows live: the archive bucket directly (the DR tool) or the exports bucket, which replicates into both archives. */
export const SECRET_ESCROW_PREFIX = "secrets-escrow";

export interface EscrowObject {
    format: typeof ESCROW_FORMAT;
    secretName: string;
    sourceAccount: string;
    sourceRegion: string;
    versionId?: string;
    /** Staging labels of the version when it was escrowed (AWSCURRENT, AWSPREVIOUS, ...). */
    versionStages?: string[];
    escrowedAt: string;
    kmsKeyId: string;
    encryptionContext: Record<string, string>;
    valueType: "string" | "binary";
    encryptedDataKey: string;
    iv: string;
    authTag: string;
    ciphertext: string;
}

export function encryptionContext(
    secretName: string,
    sourceAccount: string,
    versionId?: string,
): Record<string, string> {
    return {
        purpose: SECRET_ESCROW_PURPOSE,
        secretName,
        sourceAccount,
        ...(versionId !== undefined ? { versionId } : {}),
    };
}

export function seal(
    plaintext: Buffer,
    dataKey: Uint8Array,
    context: Record<string, string>,
): { iv: string; authTag: string; ciphertext: string } {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", dataKey, iv);
    cipher.setAAD(Buffer.from(JSON.stringify(context)));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
        iv: iv.toString("base64"),
        authTag: cipher.getAuthTag().toString("base64"),
        ciphertext: ciphertext.toString("base64"),
    };
}

export function unseal(
    obj: Pick<EscrowObject, "iv" | "authTag" | "ciphertext" | "encryptionContext">,
    dataKey: Uint8Array,
): Buffer {
    const decipher = crypto.createDecipheriv("aes-256-gcm", dataKey, Buffer.from(obj.iv, "base64"));
    decipher.setAAD(Buffer.from(JSON.stringify(obj.encryptionContext)));
    decipher.setAuthTag(Buffer.from(obj.authTag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(obj.ciphertext, "base64")), decipher.final()]);
}

/** `20261126T020000Z`: sorts by time as a string, as the escrow keys must. */
export function compactTimestamp(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
}

export function escrowSecretPrefix(prefix: string, sourceAccount: string, secretName: string): string {
    return `${prefix.replace(/\/+$/, "")}/${sourceAccount}/${secretName}/`;
}

/**
 * The key of one escrow. The current version is `<time>.json`, every other version
 * `<time>-<versionId>.json`: `recover-secret` takes the greatest key under the secret's prefix, and
 * within one run `.json` sorts after `-...` ('.' > '-'), so "newest" is always the current value.
 */
export function escrowObjectKey(
    prefix: string,
    sourceAccount: string,
    secretName: string,
    atMs: number,
    nonCurrentVersionId?: string,
): string {
    const suffix = nonCurrentVersionId ? `-${nonCurrentVersionId}` : "";
    return `${escrowSecretPrefix(prefix, sourceAccount, secretName)}${compactTimestamp(atMs)}${suffix}.json`;
}

/** The time a key of escrowObjectKey was written, or undefined for another key. */
export function escrowTimeOfKey(key: string): number | undefined {
    const m = /\/(\d{8})T(\d{2})(\d{2})(\d{2})Z(?:-[^/]*)?\.json$/.exec(key);
    if (!m) return undefined;
    const [, date, hh, mm, ss] = m;
    return Date.parse(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${hh}:${mm}:${ss}Z`);
}

/** The backup account's key that seals escrows from the deployment accounts' escrow functions. */
export const SECRET_ESCROW_KEY_ALIAS = "alias/vat-backup-secret-escrow";
