/**
 * A KMS that wraps data keys and checks the encryption context like the real one, and an archive
 * bucket that keeps what is put into it: shared by the secret specs and the runbook scenarios.
 */
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import * as crypto from "crypto";
import { DrHarness, awsError } from "./drHarness";

export const SALT = "prod/submit/user-sub-hash-salt";
export const CLIENT_SECRET = "prod/submit/hmrc/client_secret";
export const SALT_VALUE = JSON.stringify({ current: "v2", versions: { v1: "a".repeat(64), v2: "b".repeat(64) } });
export const KEY_ARN = "arn:aws:kms:eu-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
export const BUCKET = "vat-backup-archive-333333333333-eu-west-2";

/**
 * A KMS that wraps data keys with its own secret and checks the encryption context on the way back,
 * like the real one; and an archive bucket that keeps what is put into it.
 */
export function fakeKmsAndArchive(h: DrHarness): Map<string, string> {
    const master = crypto.randomBytes(32);
    const wrap = (key: Buffer, context: Record<string, string>) =>
        Buffer.concat([Buffer.from(JSON.stringify(context)), Buffer.from("|"), xor(key, master)]);
    const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((v, i) => v ^ b[i]));
    const stored = new Map<string, string>();
    const b = h.mocks("backup", "eu-west-2");
    b.kms.on(GenerateDataKeyCommand).callsFake((i: { EncryptionContext: Record<string, string> }) => {
        const key = crypto.randomBytes(32);
        return {
            KeyId: KEY_ARN,
            Plaintext: new Uint8Array(key),
            CiphertextBlob: new Uint8Array(wrap(key, i.EncryptionContext)),
        };
    });
    b.kms
        .on(DecryptCommand)
        .callsFake((i: { CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }) => {
            const blob = Buffer.from(i.CiphertextBlob);
            const sep = blob.lastIndexOf("|".charCodeAt(0), blob.length - 33);
            if (blob.subarray(0, sep).toString() !== JSON.stringify(i.EncryptionContext))
                return Promise.reject(awsError("InvalidCiphertextException"));
            return { KeyId: KEY_ARN, Plaintext: new Uint8Array(xor(blob.subarray(sep + 1), master)) };
        });
    b.s3.on(PutObjectCommand).callsFake((i: { Key: string; Body: string }) => {
        stored.set(i.Key, i.Body);
        return {};
    });
    b.s3.on(ListObjectsV2Command).callsFake((i: { Prefix: string }) => ({
        Contents: [...stored.keys()].filter((k) => k.startsWith(i.Prefix)).map((Key) => ({ Key })),
    }));
    b.s3
        .on(GetObjectCommand)
        .callsFake((i: { Key: string }) =>
            stored.has(i.Key)
                ? { Body: { transformToString: async () => stored.get(i.Key) } }
                : Promise.reject(awsError("NoSuchKey")),
        );
    const t = h.mocks();
    t.secrets
        .on(GetSecretValueCommand, { SecretId: SALT })
        .resolves({ SecretString: SALT_VALUE, VersionId: "ver-salt" });
    t.secrets
        .on(GetSecretValueCommand, { SecretId: CLIENT_SECRET })
        .resolves({ SecretString: "hmrc-secret", VersionId: "ver-hmrc" });
    return stored;
}
