/**
 * `escrow-secret`: the critical secrets (the salt first: "salt + backups + code = full recovery"),
 * envelope-encrypted under the backup account's archive key into the archive bucket.
 */
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { DrContext } from "../context";
import { ExitCodeValue, UsageError, errorMessage, isCredentialError } from "../errors";
import { compactTimestamp } from "../time";
import { checkAccount } from "./common";
import { ESCROW_FORMAT, EscrowObject, archiveLocation, encryptionContext, escrowKeyPrefix, seal } from "./escrow";
import { CommandSpec } from "./types";
import * as valid from "../validate";

interface EscrowOptions {
    all?: boolean;
    bucket?: string;
    keyId?: string;
    prefix: string;
}

export const escrowSecretCommand: CommandSpec = {
    name: "escrow-secret",
    summary: "encrypt critical secrets with the backup account's key into the archive bucket",
    configure(cmd) {
        cmd.argument("[secrets...]", "secret names", valid.eachOf(valid.SECRET_NAME, "a Secrets Manager name"))
            .option("--all", "every critical secret of the stack (the salt first)")
            .option(
                "--bucket <name>",
                "archive bucket (default: the backup account's archive in its primary region)",
                valid.bucketName,
            )
            .option(
                "--key-id <arn>",
                "KMS key ARN in the backup account (default: the archive key's alias ARN)",
                valid.kmsKeyArn,
            )
            .option("--prefix <prefix>", "key prefix in the archive", "secrets-escrow");
    },
    run: (ctx, args, options) => escrowSecrets(ctx, args, options as unknown as EscrowOptions),
};

/** The salt first: without it no other backup can be mapped back to a user. */
export function escrowOrder(names: string[]): string[] {
    return [...names].sort((a, b) => Number(b.includes("salt")) - Number(a.includes("salt")));
}

export async function escrowSecrets(ctx: DrContext, args: string[], options: EscrowOptions): Promise<ExitCodeValue> {
    const names = escrowOrder(
        options.all
            ? ctx
                  .requireStack("with --all")
                  .secrets.filter((s) => s.critical)
                  .map((s) => s.name)
            : args,
    );
    if (names.length === 0) throw new UsageError("name at least one secret, or --all with --stack");
    const loc = archiveLocation(ctx, options);
    const sourceAccount = await checkAccount(ctx, "target", ctx.stack?.accountId);
    await checkAccount(ctx, "backup", ctx.stack?.backupAccount.accountId, loc.region);
    const report = ctx.report();
    const escrowed: { secret: string; key: string; versionId?: string }[] = [];
    for (const name of names) {
        try {
            escrowed.push(await escrowOne(ctx, report, name, sourceAccount, loc));
        } catch (err) {
            if (isCredentialError(err)) throw err;
            report.check(`escrow:${name}`, "fail", errorMessage(err));
        }
    }
    report.data.bucket = loc.bucket;
    report.data.escrowed = escrowed;
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

async function escrowOne(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    name: string,
    sourceAccount: string,
    loc: ReturnType<typeof archiveLocation>,
) {
    const secret = await ctx.gate.read(ctx.clients().secrets, new GetSecretValueCommand({ SecretId: name }));
    const plaintext =
        secret.SecretString !== undefined
            ? Buffer.from(secret.SecretString, "utf8")
            : secret.SecretBinary
              ? Buffer.from(secret.SecretBinary)
              : undefined;
    if (!plaintext) throw new Error(`secret ${name} has no value`);
    const archive = ctx.clients(loc.account, loc.region);
    const context = encryptionContext(name, sourceAccount);
    const dataKey = await ctx.gate.read(
        archive.kms,
        new GenerateDataKeyCommand({ KeyId: loc.keyId, KeySpec: "AES_256", EncryptionContext: context }),
        loc.account,
    );
    if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new Error(`KMS returned no data key for ${loc.keyId}`);
    const sealed = seal(plaintext, dataKey.Plaintext, context);
    dataKey.Plaintext.fill(0);
    plaintext.fill(0);
    const obj: EscrowObject = {
        format: ESCROW_FORMAT,
        secretName: name,
        sourceAccount,
        sourceRegion: ctx.region,
        versionId: secret.VersionId,
        escrowedAt: new Date(ctx.clock.now()).toISOString(),
        kmsKeyId: dataKey.KeyId ?? loc.keyId,
        encryptionContext: context,
        valueType: secret.SecretString !== undefined ? "string" : "binary",
        encryptedDataKey: Buffer.from(dataKey.CiphertextBlob).toString("base64"),
        ...sealed,
    };
    const key = `${escrowKeyPrefix(loc, sourceAccount, name)}${compactTimestamp(ctx.clock.now())}.json`;
    await ctx.gate.mutate(
        archive.s3,
        new PutObjectCommand({
            Bucket: loc.bucket,
            Key: key,
            Body: JSON.stringify(obj, null, 2),
            ContentType: "application/json",
            ExpectedBucketOwner: loc.expectedOwner,
            // An Object Lock bucket refuses a PUT without an integrity checksum.
            ChecksumAlgorithm: "SHA256",
        }),
        loc.account,
    );
    report.check(`escrow:${name}`, "pass", `version ${secret.VersionId ?? "?"} → s3://${loc.bucket}/${key}`);
    return { secret: name, key, versionId: secret.VersionId };
}
