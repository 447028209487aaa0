/**
 * tools/driftSummary.ts: the drift workflow's summary (counts only, never data) and where it is kept
 * for the evidence pack (`drift-reports/<stack>/`), written with the SSE-KMS key the bucket's policy
 * demands (read from the bucket's default encryption) and a SHA-256 checksum.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetBucketEncryptionCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { driftBucket, main, resourceCounts, summarize, upload } from "../../tools/driftSummary";

const PREVIEW_OUTPUT = `Previewing update (prod):
     Type                      Name     Plan
     pulumi:pulumi:Stack       vat-backup-prod
 ~   └─ aws:s3:BucketVersioning exports-versioning  update

Resources:
    ~ 1 to update
    180 unchanged

Duration: 41s
`;

describe("tools/driftSummary.ts (the drift workflow's summary)", () => {
    const s3 = mockClient(S3Client);
    const KEY = "arn:aws:kms:eu-west-2:111111111111:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa";
    beforeEach(() => {
        s3.reset();
        s3.on(GetBucketEncryptionCommand).resolves({
            ServerSideEncryptionConfiguration: {
                Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY } }],
            },
        });
        s3.on(PutObjectCommand).resolves({});
    });
    after(() => s3.restore());

    it("keeps only the preview's resource counts", () => {
        assert.equal(resourceCounts(PREVIEW_OUTPUT), "~ 1 to update; 180 unchanged");
        assert.equal(resourceCounts("no summary here"), "");
    });

    it("a failed preview (expect-no-changes) is drift; a successful one is not", () => {
        const at = new Date("2026-11-07T06:00:00Z");
        const drifted = summarize("prod", "failure", PREVIEW_OUTPUT, at, {
            GITHUB_SERVER_URL: "https://github.com",
            GITHUB_REPOSITORY: "example-org/vat-backup",
            GITHUB_RUN_ID: "42",
            GITHUB_SHA: "abc",
        });
        assert.equal(drifted.drifted, true);
        assert.match(drifted.summary, /^prod: differs from its program .*: ~ 1 to update; 180 unchanged$/);
        assert.equal(drifted.runUrl, "https://github.com/example-org/vat-backup/actions/runs/42");
        const clean = summarize("prod", "success", "Resources:\n    181 unchanged\n", at);
        assert.deepEqual([clean.drifted, clean.summary], [false, "prod: no changes after refresh: 181 unchanged"]);
    });

    it("keeps a deployment stack's summaries in its exports bucket and the backup stack's in its reports bucket", () => {
        assert.deepEqual(driftBucket("prod"), {
            bucket: "prod-env-backup-exports-111111111111-eu-west-2",
            accountId: "111111111111",
        });
        assert.deepEqual(driftBucket("backup"), {
            bucket: "vat-backup-reports-333333333333-eu-west-2",
            accountId: "333333333333",
        });
        assert.throws(() => driftBucket("org"), /only deployment and backup stacks/);
    });

    it("uploads under drift-reports/<stack>/ naming the bucket's own KMS key, with a checksum", async () => {
        const summary = summarize("prod", "success", "", new Date("2026-11-07T06:00:00Z"));
        const where = await upload(new S3Client({}), driftBucket("prod"), summary);
        assert.equal(
            where,
            "s3://prod-env-backup-exports-111111111111-eu-west-2/drift-reports/prod/20261107T060000Z.json",
        );
        const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
        assert.equal(put.ServerSideEncryption, "aws:kms");
        assert.equal(put.SSEKMSKeyId, KEY);
        assert.equal(put.ExpectedBucketOwner, "111111111111");
        assert.ok(put.ChecksumSHA256);
        assert.deepEqual(JSON.parse(String(put.Body)), JSON.parse(JSON.stringify(summary)));
    });

    it("refuses to upload into a bucket without a default KMS key (its policy would refuse the PUT)", async () => {
        s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [] } });
        const summary = summarize("prod", "success", "", new Date());
        await assert.rejects(upload(new S3Client({}), driftBucket("prod"), summary), /no default KMS key/);
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    });

    it("the command line summarizes a preview's output file and uploads the summary", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
        const output = path.join(dir, "preview.txt");
        fs.writeFileSync(output, PREVIEW_OUTPUT);
        const lines: string[] = [];
        const log = console.log;
        console.log = (text: string) => lines.push(text);
        try {
            await main(["node", "drift", "summarize", "--stack", "prod", "--outcome", "failure", "--output", output]);
            const file = path.join(dir, "drift-prod.json");
            fs.writeFileSync(file, lines[0]);
            assert.equal(JSON.parse(lines[0]).drifted, true);
            await main(["node", "drift", "upload", "--stack", "prod", "--file", file], new S3Client({}));
        } finally {
            console.log = log;
        }
        assert.match(lines[1], /^s3:\/\/prod-env-backup-exports-111111111111-eu-west-2\/drift-reports\/prod\//);
    });
});
