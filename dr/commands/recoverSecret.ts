/**
 * `recover-secret NAME`: the newest escrow of a secret (or --key), decrypted with the backup
 * account's key, written to a 0600 file or put back into Secrets Manager (with its DR replica).
 * It never prints the value.
 */
import { DecryptCommand } from "@aws-sdk/client-kms";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
    RestoreSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import * as fs from "fs";
import { readAllPages } from "../aws/gate";
import { DrContext } from "../context";
import { DrError, ExitCode, ExitCodeValue, UsageError, errorMessage, isNotFound } from "../errors";
import * as valid from "../validate";
import { secretReplicaKeyAlias } from "../../naming";
import { checkAccount } from "./common";
import { EscrowObject, archiveLocation, escrowKeyPrefix, escrowObjectSchema, unseal } from "./escrow";
import { CommandSpec } from "./types";

interface RecoverOptions {
    key?: string;
    out?: string;
    restore?: boolean;
    overwrite?: boolean;
    sourceAccountId?: string;
    bucket?: string;
    keyId?: string;
    prefix: string;
}

export const recoverSecretCommand: CommandSpec = {
    name: "recover-secret",
    summary: "decrypt a secret's newest escrow from the archive and write it to a file or back into Secrets Manager",
    configure(cmd) {
        cmd.argument("<secret>", "secret name", valid.secretName)
            .option("--key <s3key>", "a specific escrow object (default: the newest for this secret)")
            .option("--out <file>", "write the value to this file (mode 0600)")
            .option(
                "--restore",
                "put the value back into Secrets Manager (creating the secret and its DR replica if gone)",
            )
            .option("--overwrite", "with --restore: replace a current value that differs")
            .option(
                "--source-account-id <id>",
                "the account the secret was escrowed from (default: the stack's account; after an account loss, the lost one)",
                valid.accountId,
            )
            .option("--bucket <name>", "archive bucket (default: the backup account's archive)", valid.bucketName)
            .option("--key-id <arn>", "KMS key ARN (default: the archive key's alias ARN)", valid.kmsKeyArn)
            .option("--prefix <prefix>", "key prefix in the archive", "secrets-escrow");
    },
    run: (ctx, args, options) => recoverSecret(ctx, args[0], options as unknown as RecoverOptions),
};

export async function recoverSecret(ctx: DrContext, name: string, options: RecoverOptions): Promise<ExitCodeValue> {
    if (!options.out && !options.restore)
        throw new UsageError(
            "say where the value goes: --out <file> or --restore",
            "Use --restore to put it back into Secrets Manager, or --out to hand it over as a file.",
        );
    if (options.overwrite && !options.restore)
        throw new UsageError(
            "--overwrite only means something with --restore",
            "Add --restore to put the value back into Secrets Manager (replacing a different current value), or drop --overwrite.",
        );
    const loc = archiveLocation(ctx, options);
    const sourceAccount = options.sourceAccountId ?? ctx.stack?.accountId;
    if (!sourceAccount) throw new UsageError("no source account", "Pass --source-account-id or --stack.");
    const report = ctx.report();
    const archive = ctx.clients(loc.account, loc.region);
    await checkAccount(ctx, loc.account, ctx.stack?.backupAccount.accountId, loc.region);
    // The value goes into the account the stack names (a rebuilt account has a new id): never into
    // whichever account the credentials happen to be for.
    if (options.restore) await checkAccount(ctx, "target", ctx.stack?.accountId);
    report.data.sourceAccount = sourceAccount;

    const key = options.key ?? (await newestEscrowKey(ctx, loc, sourceAccount, name));
    const body = await ctx.gate.read(
        archive.s3,
        new GetObjectCommand({ Bucket: loc.bucket, Key: key, ExpectedBucketOwner: loc.expectedOwner }),
        loc.account,
    );
    const parsed = escrowObjectSchema.safeParse(JSON.parse((await body.Body?.transformToString()) ?? "{}"));
    if (!parsed.success)
        throw new UsageError(
            `s3://${loc.bucket}/${key} is not an escrow object`,
            "Pass --key with an object written by escrow-secret.",
        );
    const obj: EscrowObject = parsed.data;
    if (obj.secretName !== name) throw new UsageError(`s3://${loc.bucket}/${key} holds ${obj.secretName}, not ${name}`);
    const dataKey = await ctx.gate.read(
        archive.kms,
        new DecryptCommand({
            CiphertextBlob: Buffer.from(obj.encryptedDataKey, "base64"),
            EncryptionContext: obj.encryptionContext,
            KeyId: obj.kmsKeyId,
        }),
        loc.account,
    );
    if (!dataKey.Plaintext) throw new Error("KMS returned no plaintext data key");
    const value = unseal(obj, dataKey.Plaintext);
    dataKey.Plaintext.fill(0);
    report.check(
        `decrypt:${name}`,
        "pass",
        `escrow of ${obj.escrowedAt} (version ${obj.versionId ?? "?"}) from s3://${loc.bucket}/${key}`,
    );
    report.data.escrowKey = key;
    report.data.escrowedAt = obj.escrowedAt;

    if (options.out && ctx.dryRun) report.line(`dry run: would write the value to ${options.out} (mode 0600)`);
    else if (options.out) {
        fs.writeFileSync(options.out, value, { mode: 0o600 });
        report.line(`wrote the value to ${options.out} (mode 0600); delete it once used`);
    }
    if (options.restore) await restoreValue(ctx, report, name, obj, value, Boolean(options.overwrite));
    value.fill(0);
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

async function newestEscrowKey(
    ctx: DrContext,
    loc: ReturnType<typeof archiveLocation>,
    sourceAccount: string,
    name: string,
): Promise<string> {
    const objects = await readAllPages(
        ctx.gate,
        ctx.clients(loc.account, loc.region).s3,
        (token) =>
            new ListObjectsV2Command({
                Bucket: loc.bucket,
                Prefix: escrowKeyPrefix(loc, sourceAccount, name),
                ContinuationToken: token,
                ExpectedBucketOwner: loc.expectedOwner,
            }),
        (page) => page.Contents,
        (page) => (page.IsTruncated ? page.NextContinuationToken : undefined),
        loc.account,
    );
    const newest = objects
        .filter((o) => o.Key?.endsWith(".json"))
        .sort((a, b) => (b.Key ?? "").localeCompare(a.Key ?? ""))[0];
    if (!newest?.Key)
        throw new UsageError(
            `no escrow of ${name} from account ${sourceAccount} in s3://${loc.bucket}/${escrowKeyPrefix(loc, sourceAccount, name)}`,
            "Check --source-account-id and --prefix; list the archive with aws s3 ls.",
        );
    return newest.Key;
}

async function restoreValue(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    name: string,
    obj: EscrowObject,
    value: Buffer,
    overwrite: boolean,
): Promise<void> {
    const secrets = ctx.clients().secrets;
    const asValue =
        obj.valueType === "string" ? { SecretString: value.toString("utf8") } : { SecretBinary: new Uint8Array(value) };
    let described;
    try {
        described = await ctx.gate.read(secrets, new DescribeSecretCommand({ SecretId: name }));
    } catch (err) {
        if (!isNotFound(err)) throw err;
    }
    if (!described) {
        // A secret cannot hold a replica in its own region (AWS refuses it): in the DR region the
        // re-created secret stands alone until a new replica region is chosen.
        const drRegion = ctx.stack?.drRegion !== ctx.region ? ctx.stack?.drRegion : undefined;
        await ctx.gate.mutate(
            secrets,
            new CreateSecretCommand({
                Name: name,
                ...asValue,
                // Under the stack's own replica key, so the stack's SecretReplica takes the replica over.
                AddReplicaRegions:
                    drRegion && ctx.stack
                        ? [{ Region: drRegion, KmsKeyId: secretReplicaKeyAlias(ctx.stack.environment) }]
                        : undefined,
            }),
        );
        report.check(`restore:${name}`, "pass", `created ${name}${drRegion ? ` with a replica in ${drRegion}` : ""}`);
        if (!drRegion && ctx.stack)
            report.check(
                `replica:${name}`,
                "warn",
                `${name} was created in ${ctx.region}, the stack's DR region, without a replica: add one in another region (aws secretsmanager replicate-secret-to-regions)`,
            );
        return;
    }
    if (described.DeletedDate) {
        // A secret scheduled for deletion keeps its value and can be brought back as it was.
        await ctx.gate.mutate(secrets, new RestoreSecretCommand({ SecretId: name }));
        report.line(`${name} was scheduled for deletion on ${described.DeletedDate.toISOString()}: restored it`);
    }
    // Read after RestoreSecret: a restored secret has its old value back, which may differ from the escrow.
    const current = ctx.dryRun && described.DeletedDate ? undefined : await readCurrentValue(ctx, name);
    const currentValue =
        current?.SecretString !== undefined
            ? Buffer.from(current.SecretString, "utf8")
            : current?.SecretBinary
              ? Buffer.from(current.SecretBinary)
              : undefined;
    if (currentValue && currentValue.equals(value)) {
        report.check(`restore:${name}`, "pass", "Secrets Manager already holds this value; nothing changed");
        return;
    }
    // A replica refuses PutSecretValue (Secrets Manager: "you can't update a replica secret"; its
    // primary region is PrimaryRegion). After a region loss, promote it first.
    if (described.PrimaryRegion && described.PrimaryRegion !== ctx.region) {
        throw new UsageError(
            `${name} in ${ctx.region} is a replica of the secret in ${described.PrimaryRegion}: Secrets Manager refuses to write a replica`,
            `If ${described.PrimaryRegion} is lost, promote the replica first (aws secretsmanager stop-replication-to-replica --secret-id ${name} --region ${ctx.region}), then run this again; otherwise run it with --region ${described.PrimaryRegion}.`,
        );
    }
    if (currentValue && !overwrite) {
        throw new UsageError(
            `${name} holds a different value from the escrow of ${obj.escrowedAt}`,
            "Check which is right; pass --overwrite to replace the current value (the old one stays as version AWSPREVIOUS).",
        );
    }
    await ctx.gate.mutate(secrets, new PutSecretValueCommand({ SecretId: name, ...asValue }));
    report.check(`restore:${name}`, "pass", `put the escrowed value back as the current version of ${name}`);
}

/**
 * The secret's current value, or undefined when it has none. Any other read error (KMS
 * AccessDenied, a throttle that outlasted the retries) stops the command: writing over a value
 * nobody could read would destroy the one thing that maps users to their data.
 */
async function readCurrentValue(ctx: DrContext, name: string) {
    try {
        return await ctx.gate.read(ctx.clients().secrets, new GetSecretValueCommand({ SecretId: name }));
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw new DrError(
            `cannot read the current value of ${name} (${errorMessage(err)}); refusing to write over a value that was not compared`,
            ExitCode.FAILED,
            "Fix the read (the secret's KMS key policy, the role's permissions), then run again; --overwrite does not skip this check.",
        );
    }
}
