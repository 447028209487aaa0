/**
 * The exports bucket of an account whose scheduled protection works (stacks/automation.ts): escrows
 * of both critical secrets, a user-pool export and table exports, each recent; for `dr verify` specs.
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ListSecretVersionIdsCommand } from "@aws-sdk/client-secrets-manager";
import { escrowObjectKey } from "../../naming/escrowFormat";
import { DrHarness, NOW, PROD_ACCOUNT } from "./drHarness";

const HOUR = 3_600_000;
export const SALT = "prod/submit/user-sub-hash-salt";
export const HMRC = "prod/submit/hmrc/client_secret";
export const SALT_VERSIONS = [
    { VersionId: "salt-v1", VersionStages: [], CreatedDate: new Date(NOW - 400 * 24 * HOUR) },
    { VersionId: "salt-v2", VersionStages: ["AWSCURRENT"], CreatedDate: new Date(NOW - 30 * 24 * HOUR) },
];
const HMRC_VERSIONS = [
    { VersionId: "hmrc-v1", VersionStages: ["AWSCURRENT"], CreatedDate: new Date(NOW - 9 * 24 * HOUR) },
];

export const escrowAt = NOW - 2 * HOUR;

export function bodyOf(text: string) {
    return { transformToString: async () => text };
}

/** Mocks the exports bucket and Secrets Manager of a healthy account (escrow 2 h old, exports recent). */
export function scheduledProtectionHealthy(h: DrHarness): void {
    const t = h.mocks("target");
    const key = (secret: string, version?: string) =>
        escrowObjectKey("secrets-escrow", PROD_ACCOUNT, secret, escrowAt, version);
    const objects: Record<string, { Key: string; LastModified: Date }[]> = {
        [`secrets-escrow/${PROD_ACCOUNT}/${SALT}/`]: [
            { Key: key(SALT, "salt-v1"), LastModified: new Date(escrowAt) },
            { Key: key(SALT), LastModified: new Date(escrowAt) },
        ],
        [`secrets-escrow/${PROD_ACCOUNT}/${HMRC}/`]: [{ Key: key(HMRC), LastModified: new Date(escrowAt) }],
        "cognito-exports/": [
            { Key: "cognito-exports/eu-west-2_X/20261126T001500Z/users.json", LastModified: new Date(NOW - 3 * HOUR) },
        ],
        "dynamodb-exports/prod-env-receipts/incremental/": [
            {
                Key: "dynamodb-exports/prod-env-receipts/incremental/a/AWSDynamoDB/1/manifest-summary.json",
                LastModified: new Date(NOW - HOUR),
            },
        ],
    };
    t.s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => {
        if (input.Prefix.startsWith("dynamodb-exports/") && input.Prefix.endsWith("/full/"))
            return {
                Contents: [
                    {
                        Key: `${input.Prefix}x/AWSDynamoDB/2/manifest-summary.json`,
                        LastModified: new Date(NOW - 4 * 24 * HOUR),
                    },
                ],
            };
        return { Contents: objects[input.Prefix] ?? [] };
    });
    t.s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
        Body: bodyOf(JSON.stringify({ versionId: input.Key.includes("hmrc") ? "hmrc-v1" : "salt-v2" })),
    }));
    t.secrets.on(ListSecretVersionIdsCommand, { SecretId: SALT }).resolves({ Versions: SALT_VERSIONS });
    t.secrets.on(ListSecretVersionIdsCommand, { SecretId: HMRC }).resolves({ Versions: HMRC_VERSIONS });
}
