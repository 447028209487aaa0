/**
 * Where a deployment stack sends its copies and exports: the backup account's central vault and
 * archive bucket. From config alone the names are deterministic (naming.backupStackOutputs); with
 * `backupAccount.stackReference` they are read from the backup stack's outputs and must agree with
 * config, because the lock bounds that config validation checks copies against come from config
 * (`backupAccount.vaultLock`), and a stack pointing somewhere else would make that check meaningless.
 */
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../naming";
import { DeploymentConfig } from "./config";

export type BackupAccountTargets = Record<naming.BackupStackOutputName, pulumi.Input<string>>;

/** The config keys each output of the contract is derived from, named in a mismatch. */
const DERIVED_FROM: Record<naming.BackupStackOutputName, string[]> = {
    centralVaultArn: ["accountId", "region", "vaultName"],
    archiveBucketArn: ["accountId", "region"],
    drArchiveBucketArn: ["accountId", "drRegion"],
};

/** The message of a backup stack output that disagrees with the deployment stack's config. */
export function mismatchMessage(
    stackName: string,
    output: naming.BackupStackOutputName,
    expected: string,
    actual: unknown,
): string {
    return (
        `${naming.PROJECT}:backupAccount.stackReference '${stackName}' exports ${output} = ${JSON.stringify(actual)}, ` +
        `but config (${DERIVED_FROM[output].map((key) => `${naming.PROJECT}:backupAccount.${key}`).join(", ")}) gives ${JSON.stringify(expected)}: ` +
        "point the reference at the backup stack these keys describe, or correct the keys"
    );
}

/** The ARNs to use; reads them from the backup stack when a reference is configured. */
export function backupAccountTargets(backupAccount: DeploymentConfig["backupAccount"]): BackupAccountTargets {
    const expected = naming.backupStackOutputs(
        backupAccount.accountId,
        backupAccount.region,
        backupAccount.drRegion,
        backupAccount.vaultName,
    );
    const stackName = backupAccount.stackReference;
    if (stackName === undefined) return expected;
    const backupStack = new pulumi.StackReference("backup-account-stack", { name: stackName });
    const read = (output: naming.BackupStackOutputName): pulumi.Output<string> =>
        backupStack.requireOutput(output).apply((actual: unknown) => {
            if (actual !== expected[output])
                throw new Error(mismatchMessage(stackName, output, expected[output], actual));
            return actual;
        });
    return {
        centralVaultArn: read("centralVaultArn"),
        archiveBucketArn: read("archiveBucketArn"),
        drArchiveBucketArn: read("drArchiveBucketArn"),
    };
}
