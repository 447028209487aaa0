import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as naming from "../../naming";
import { Registered, Statement, runStackOffline, inputOf } from "../helpers/engine";

/** The deployment stacks' copies and replication point at exactly what the backup stack creates. */
/** The replication rule fields these checks read, as the engine records them (plain values). */
interface ReplicationRule {
    destination: {
        bucket: string;
        account: string;
        encryptionConfiguration: { replicaKmsKeyId: string };
        replicationTime: { status: string };
    };
}

describe("cross-stack wiring", () => {
    let backup: Registered;
    const deployments: Record<string, Registered> = {};
    before(async () => {
        backup = new Registered(await runStackOffline("backup"));
        for (const stack of ["prod", "ci"]) deployments[stack] = new Registered(await runStackOffline(stack));
    });

    it("exports exactly the outputs of naming's contract, with the values the deployment stacks derive from config", () => {
        const contract = naming.backupStackOutputs("333333333333", "eu-west-2", "eu-west-1", naming.CENTRAL_VAULT_NAME);
        const keys = Object.keys(contract) as naming.BackupStackOutputName[];
        assert.deepEqual(keys.sort(), ["archiveBucketArn", "centralVaultArn", "drArchiveBucketArn"]);
        for (const key of keys) assert.equal(backup.outputs[key], contract[key], key);
    });

    for (const stack of ["prod", "ci"]) {
        describe(stack, () => {
            it("copies into the central vault the backup stack creates", () => {
                const rules = inputOf<aws.types.input.backup.PlanRule[]>(
                    deployments[stack].one("aws:backup/plan:Plan"),
                    "rules",
                );
                const destinations = new Set(
                    rules.flatMap((r) => (r.copyActions ?? []).map((c) => c.destinationVaultArn)),
                );
                assert.deepEqual([...destinations], [backup.named("central-vault-vault").outputs.arn]);
            });

            it("sends copies whose retention the central vault's lock accepts", () => {
                const lock = backup.named("central-vault-lock").inputs as {
                    minRetentionDays: number;
                    maxRetentionDays: number;
                };
                const rules = inputOf<aws.types.input.backup.PlanRule[]>(
                    deployments[stack].one("aws:backup/plan:Plan"),
                    "rules",
                );
                for (const copy of rules.flatMap((r) => r.copyActions ?? [])) {
                    const deleteAfter = copy.lifecycle?.deleteAfter ?? Number.NaN;
                    assert.ok(
                        deleteAfter >= lock.minRetentionDays && deleteAfter <= lock.maxRetentionDays,
                        JSON.stringify(copy),
                    );
                }
            });

            // S3 does not replicate a replica onward ("What does Amazon S3 replicate?", S3 User Guide):
            // each archive the backup stack creates must be a direct destination of the exports bucket.
            for (const [archive, region] of [
                ["archive", "eu-west-2"],
                ["dr-archive", "eu-west-1"],
            ]) {
                it(`replicates into the ${archive} bucket directly, with its key's alias, as a role its bucket and key admit`, () => {
                    const rules = deployments[stack].one("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
                        .inputs.rules as ReplicationRule[];
                    const rule = rules.find(
                        (r) => r.destination.bucket === backup.named(`${archive}-bucket`).outputs.arn,
                    );
                    assert.ok(rule, `no rule of ${stack}'s exports replication writes into the ${archive}`);
                    assert.equal(rule.destination.account, backup.outputs.accountId);
                    assert.equal(
                        rule.destination.encryptionConfiguration.replicaKmsKeyId,
                        `arn:aws:kms:${region}:333333333333:${backup.named(`${archive}-key-alias`).inputs.name}`,
                    );
                    assert.equal(rule.destination.replicationTime.status, "Enabled");
                    const role = String(deployments[stack].named("exports-replication-role").outputs.arn);
                    const admittedBy = (resource: string, sid: string) =>
                        JSON.parse(String(backup.named(resource).inputs.policy)).Statement.find(
                            (s: Statement) => s.Sid === sid,
                        ).Condition.ArnLike["aws:PrincipalArn"] as string[];
                    // ArnLike: `*` matches any run of characters ("IAM JSON policy elements: Condition operators").
                    const matches = (pattern: string) =>
                        new RegExp(
                            `^${pattern
                                .split("*")
                                .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                                .join(".*")}$`,
                        ).test(role);
                    assert.ok(
                        admittedBy(`${archive}-policy`, "DeploymentAccountsReplicateIn").some(matches),
                        `${role} is not admitted by the ${archive} bucket`,
                    );
                    assert.ok(
                        admittedBy(`${archive}-key-key`, "ReplicationRolesEncrypt").some(matches),
                        `${role} is not admitted by the ${archive} key`,
                    );
                    const keyStatement = JSON.parse(
                        String(backup.named(`${archive}-key-key`).inputs.policy),
                    ).Statement.find((s: Statement) => s.Sid === "ReplicationRolesEncrypt");
                    assert.deepEqual(keyStatement.Condition.StringEquals, {
                        "kms:ViaService": [`s3.${region}.amazonaws.com`],
                        "kms:CallerAccount": ["111111111111", "222222222222"],
                    });
                });
            }

            it("is the account whose copies the central key and vault admit", () => {
                const accountId = deployments[stack].outputs.accountId;
                const vaultPolicy = String(backup.named("central-vault-policy").inputs.policy);
                assert.ok(vaultPolicy.includes(`arn:aws:iam::${accountId}:root`));
            });

            it("admits copy-back from the role the backup stack creates", () => {
                const local = JSON.parse(
                    String(deployments[stack].one("aws:backup/vaultPolicy:VaultPolicy").inputs.policy),
                );
                assert.deepEqual(local.Statement[0].Condition.ArnEquals["aws:PrincipalArn"], [
                    backup.outputs.copyRoleArn,
                    backup.outputs.copyBackRoleArn,
                ]);
            });

            it("forwards copy events to the bus whose policy admits it", () => {
                const target = deployments[stack].named("copy-events-target").inputs.arn;
                const busPolicy = JSON.parse(
                    String(backup.one("aws:cloudwatch/eventBusPolicy:EventBusPolicy").inputs.policy),
                ).Statement[0];
                assert.equal(target, busPolicy.Resource);
                assert.ok(
                    busPolicy.Principal.AWS.includes(`arn:aws:iam::${deployments[stack].outputs.accountId}:root`),
                );
            });
        });
    }
});
