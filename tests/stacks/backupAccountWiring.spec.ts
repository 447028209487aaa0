import * as assert from "node:assert/strict";
import * as naming from "../../naming";
import { Registered, runStackOffline } from "../helpers/engine";

const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const referencing = (stackReference: string, backupAccount: Record<string, unknown> = {}) =>
    runStackOffline("prod", { backupAccount: { accountId: "333333333333", stackReference, ...backupAccount } });

/** What a deployment stack sends to the backup account: copy destinations, replication bucket, forwarded copy events. */
function backupAccountTargetsOf(stack: Registered) {
    const rules = stack.one("aws:backup/plan:Plan").inputs.rules as {
        copyActions?: { destinationVaultArn: string }[];
    }[];
    const replication = stack.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs.rules as {
        destination: { bucket: string };
    }[];
    const pattern = JSON.parse(String(stack.named("copy-events-rule").inputs.eventPattern)) as {
        detail: { destinationBackupVaultArn: string[] };
    };
    return {
        copyDestinations: [...new Set(rules.flatMap((r) => (r.copyActions ?? []).map((c) => c.destinationVaultArn)))],
        replicationBuckets: replication.map((r) => r.destination.bucket),
        forwardedVaults: pattern.detail.destinationBackupVaultArn,
    };
}

describe("backup account wiring (backupAccount.stackReference)", () => {
    let backup: Registered;
    before(async () => {
        backup = new Registered(await runStackOffline("backup"));
    });

    it("reads nothing from another stack when only config names the backup account", async () => {
        const prod = new Registered(await runStackOffline("prod"));
        assert.deepEqual(prod.ofType(STACK_REFERENCE), []);
    });

    describe("with a reference to the backup stack", () => {
        let prod: Registered;
        before(async () => {
            prod = new Registered(await referencing("backup"));
        });

        it("reads the backup stack through one provider-less StackReference", () => {
            const reference = prod.one(STACK_REFERENCE);
            assert.equal(reference.inputs.name, "backup");
            assert.equal(reference.provider, null);
            assert.deepEqual(Object.keys(reference.outputs.outputs as object).sort(), [
                "archiveBucketArn",
                "centralVaultArn",
                "drArchiveBucketArn",
            ]);
        });

        it("copies, replicates and forwards copy events to what the referenced stack exports, which is what the backup stack creates", () => {
            const exported = prod.one(STACK_REFERENCE).outputs.outputs as naming.BackupStackOutputs;
            assert.deepEqual(backupAccountTargetsOf(prod), {
                copyDestinations: [exported.centralVaultArn],
                replicationBuckets: [exported.archiveBucketArn, exported.drArchiveBucketArn],
                forwardedVaults: [exported.centralVaultArn],
            });
            assert.equal(exported.centralVaultArn, backup.named("central-vault-vault").outputs.arn);
            assert.equal(exported.archiveBucketArn, backup.named("archive-bucket").outputs.arn);
            assert.equal(exported.drArchiveBucketArn, backup.named("dr-archive-bucket").outputs.arn);
        });

        it("sends to the same places as the stack wired by config alone", async () => {
            const byConfig = new Registered(await runStackOffline("prod"));
            assert.deepEqual(backupAccountTargetsOf(prod), backupAccountTargetsOf(byConfig));
        });

        it("accepts the fully qualified org/project/stack form", async () => {
            const qualified = new Registered(await referencing("acme/vat-backup/backup"));
            assert.equal(qualified.one(STACK_REFERENCE).inputs.name, "acme/vat-backup/backup");
            assert.deepEqual(backupAccountTargetsOf(qualified), backupAccountTargetsOf(prod));
        });
    });

    it("fails when the referenced stack's vault disagrees with config, naming the config keys and both values", async () => {
        await assert.rejects(referencing("backup", { vaultName: "other-vault" }), (err: Error) => {
            assert.match(
                err.message,
                /vat-backup:backupAccount\.stackReference 'backup' exports centralVaultArn = "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault"/,
            );
            assert.match(
                err.message,
                /vat-backup:backupAccount\.vaultName\) gives "arn:aws:backup:eu-west-2:333333333333:backup-vault:other-vault"/,
            );
            return true;
        });
    });

    it("fails when the referenced stack is in another account than config names", async () => {
        await assert.rejects(
            referencing("backup", { accountId: "444444444444" }),
            /exports (centralVaultArn|archiveBucketArn) = "arn:aws:[^"]*333333333333[^"]*", but config \(vat-backup:backupAccount\.accountId.*gives "arn:aws:[^"]*444444444444/,
        );
    });

    it("refuses a reference to a stack that is not the backup account's", async () => {
        await assert.rejects(
            referencing("ci"),
            /StackReference 'ci': stack 'ci' has role 'deployment', but only the backup stack's outputs are read/,
        );
    });

    it("refuses a reference to a stack that is not checked in, listing those that are", async () => {
        await assert.rejects(
            referencing("backup-old"),
            /StackReference 'backup-old' names no checked-in stack: No stack 'backup-old'.*stacks here: backup, ci, org, prod/,
        );
    });

    it("refuses a reference to another project's stack, which the offline engine cannot know", async () => {
        await assert.rejects(
            referencing("acme/other-project/backup"),
            /only knows stacks of project 'vat-backup', not 'other-project'/,
        );
    });
});
