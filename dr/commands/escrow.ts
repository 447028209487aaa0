/**
 * The escrow format: envelope encryption under the backup account's archive key.
 *
 * KMS Encrypt takes at most 4 KB of plaintext and a secret may hold more (the salt is a JSON
 * registry of versions), so KMS generates a data key, the value is sealed locally with AES-256-GCM,
 * and only the encrypted data key is stored beside it. The KMS encryption context and the GCM
 * additional data both bind the ciphertext to the secret's name and account, so an escrow object
 * cannot be passed off as another secret's.
 */
import { z } from "zod";
import * as naming from "../../naming";
import { ESCROW_FORMAT } from "../../naming/escrowFormat";
import { DrContext } from "../context";
import { MissingConfigError } from "../errors";
import { AccountRole } from "../aws/clients";

// The format itself is shared with the escrow Lambda (naming/escrowFormat.ts); this module adds the
// schema that checks an object read back, and where the DR tool finds the archive.
export { ESCROW_FORMAT, encryptionContext, seal, unseal } from "../../naming/escrowFormat";

export const escrowObjectSchema = z.object({
    format: z.literal(ESCROW_FORMAT),
    secretName: z.string(),
    sourceAccount: z.string(),
    sourceRegion: z.string(),
    versionId: z.string().optional(),
    versionStages: z.array(z.string()).optional(),
    escrowedAt: z.string(),
    kmsKeyId: z.string(),
    encryptionContext: z.record(z.string(), z.string()),
    valueType: z.enum(["string", "binary"]),
    encryptedDataKey: z.string(),
    iv: z.string(),
    authTag: z.string(),
    ciphertext: z.string(),
});
export type EscrowObject = z.infer<typeof escrowObjectSchema>;

/** Where escrow objects live, and with which credentials the archive is reached. */
export interface ArchiveLocation {
    bucket: string;
    keyId: string;
    prefix: string;
    /** Always the backup account: the archive admits no other. */
    account: Extract<AccountRole, "backup">;
    region: string;
    expectedOwner?: string;
}

export function archiveLocation(
    ctx: DrContext,
    options: { bucket?: string; keyId?: string; prefix: string },
): ArchiveLocation {
    const stack = ctx.stack;
    const backupAccount = stack?.backupAccount.accountId;
    const region = ctx.backupRegion;
    // A key in another account is named by its ARN (an alias name alone resolves in the caller's account).
    const keyId = options.keyId ?? (backupAccount ? naming.archiveKeyAliasArn(backupAccount, region) : undefined);
    const bucket = options.bucket ?? (backupAccount ? naming.archiveBucketName(backupAccount, region) : undefined);
    if (!keyId || !bucket) {
        ctx.requireStack("to find the backup account's archive bucket and key (or pass --bucket and --key-id)");
    }
    // The archive bucket and key admit only the backup account's principals (the key only under the
    // escrow encryption context): target-account credentials would be refused, so never fall back to them.
    if (!ctx.hasBackupCredentials) {
        throw new MissingConfigError(
            "backup-account credentials are required to reach the archive bucket and key",
            "Pass --backup-profile <profile> or --backup-role-arn <arn of a role in the backup account>, then run again.",
        );
    }
    return {
        bucket: bucket as string,
        keyId: keyId as string,
        prefix: options.prefix.replace(/\/+$/, ""),
        account: "backup",
        region,
        expectedOwner: backupAccount,
    };
}

export function escrowKeyPrefix(loc: ArchiveLocation, sourceAccount: string, secretName: string): string {
    return `${loc.prefix}/${sourceAccount}/${secretName}/`;
}
