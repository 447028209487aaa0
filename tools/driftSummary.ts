/**
 * The drift workflow's summary of one stack (.github/workflows/drift.yml), and where it is kept:
 *
 * - `summarize --stack NAME --outcome success|failure [--output FILE]`: the run's summary as JSON
 *   (stack, time, drifted, the preview's "Resources:" counts, the run's commit and URL), printed to
 *   stdout. `pulumi preview --refresh --expect-no-changes` fails exactly when the refreshed stack
 *   differs from its program, so a failed preview step is drift (or a preview that could not run,
 *   which the summary says too: nothing proves the stack matches).
 * - `upload --stack NAME --file FILE`: writes the summary where the account's evidence pack reads it,
 *   `drift-reports/<stack>/<time>.json`: the exports bucket of a deployment account, the reports
 *   bucket of the backup account (both replicate into the Object Lock archives). The bucket's policy
 *   refuses a PUT that does not name its KMS key, so the key is read from the bucket's default
 *   encryption first. Run with the checks role, which may write there and nowhere else of note.
 *
 * Only counts and names of the stack's own resources are kept, never data.
 */
import * as fs from "fs";
import { createHash } from "node:crypto";
import { GetBucketEncryptionCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Command } from "commander";
import * as naming from "../naming";
import { compactTimestamp } from "../naming/escrowFormat";
import { projectKeys, readStackFile } from "../stacks/config";

export interface DriftSummary {
    stack: string;
    at: string;
    drifted: boolean;
    outcome: string;
    summary: string;
    commit?: string;
    runUrl?: string;
}

/** The "Resources:" block of a preview's output (counts by operation), or a sentence when there is none. */
export function resourceCounts(output: string): string {
    const lines = output.replace(/\r/g, "").split("\n");
    const start = lines.findIndex((l) => /^\s*Resources:\s*$/.test(l));
    if (start < 0) return "";
    const block: string[] = [];
    for (const line of lines.slice(start + 1)) {
        if (!line.trim()) break;
        block.push(line.trim());
    }
    return block.join("; ");
}

export function summarize(
    stack: string,
    outcome: string,
    output: string,
    at: Date,
    env: Record<string, string | undefined> = {},
): DriftSummary {
    const counts = resourceCounts(output);
    const drifted = outcome !== "success";
    const summary = drifted
        ? `${stack}: differs from its program or could not be previewed (pulumi preview --refresh --expect-no-changes ${outcome})${counts ? `: ${counts}` : ""}`
        : `${stack}: no changes after refresh${counts ? `: ${counts}` : ""}`;
    const runUrl =
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
            ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
            : undefined;
    return { stack, at: at.toISOString(), drifted, outcome, summary, commit: env.GITHUB_SHA, runUrl };
}

/** The bucket that keeps a stack's drift summaries: the deployment account's exports bucket, the backup account's reports bucket. */
export function driftBucket(stack: string, projectDir?: string): { bucket: string; accountId: string } {
    const keys = projectKeys(readStackFile(stack, projectDir));
    const accountId = String(keys.accountId);
    const region = typeof keys.region === "string" ? keys.region : "eu-west-2";
    if (keys.role === "deployment")
        return {
            bucket: naming.exportsBucketName(String(keys.environment ?? stack), accountId, region),
            accountId,
        };
    if (keys.role === "backup") return { bucket: naming.reportsBucketName(accountId, region), accountId };
    throw new Error(`stack ${stack} keeps no drift summaries (only deployment and backup stacks do)`);
}

type Sender = { send: (command: any) => Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function upload(
    s3: Sender,
    target: { bucket: string; accountId: string },
    summary: DriftSummary,
): Promise<string> {
    const encryption = await s3.send(
        new GetBucketEncryptionCommand({ Bucket: target.bucket, ExpectedBucketOwner: target.accountId }),
    );
    const keyId = (encryption.ServerSideEncryptionConfiguration?.Rules ?? [])
        .map(
            (r: { ApplyServerSideEncryptionByDefault?: { KMSMasterKeyID?: string } }) =>
                r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID,
        )
        .find(Boolean);
    if (!keyId) throw new Error(`${target.bucket} has no default KMS key: its policy would refuse the summary`);
    const key = `${naming.DRIFT_REPORT_PREFIX}/${summary.stack}/${compactTimestamp(Date.parse(summary.at))}.json`;
    const body = `${JSON.stringify(summary, null, 2)}\n`;
    await s3.send(
        new PutObjectCommand({
            Bucket: target.bucket,
            Key: key,
            Body: body,
            ContentType: "application/json",
            ExpectedBucketOwner: target.accountId,
            ServerSideEncryption: "aws:kms",
            SSEKMSKeyId: keyId,
            ChecksumSHA256: createHash("sha256").update(body).digest("base64"),
        }),
    );
    return `s3://${target.bucket}/${key}`;
}

export async function main(argv: string[], s3: Sender = new S3Client({})): Promise<number> {
    const program = new Command("drift-summary").exitOverride();
    program
        .command("summarize")
        .requiredOption("--stack <name>")
        .requiredOption("--outcome <outcome>", "the preview step's outcome: success, failure or cancelled")
        .option("--output <file>", "the preview's output")
        .action((o: { stack: string; outcome: string; output?: string }) => {
            const text = o.output && fs.existsSync(o.output) ? fs.readFileSync(o.output, "utf8") : "";
            console.log(JSON.stringify(summarize(o.stack, o.outcome, text, new Date(), process.env), null, 2));
        });
    let uploaded: Promise<string> | undefined;
    program
        .command("upload")
        .requiredOption("--stack <name>")
        .requiredOption("--file <file>", "a summary written by `summarize`")
        .action((o: { stack: string; file: string }) => {
            const summary = JSON.parse(fs.readFileSync(o.file, "utf8")) as DriftSummary;
            uploaded = upload(s3, driftBucket(o.stack), summary);
        });
    await program.parseAsync(argv);
    if (uploaded) console.log(await uploaded);
    return 0;
}

if (require.main === module) {
    main(process.argv).then(
        (code) => (process.exitCode = code),
        (err) => {
            console.error(err instanceof Error ? err.message : String(err));
            process.exitCode = 2;
        },
    );
}
