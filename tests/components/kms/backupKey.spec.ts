import * as assert from "node:assert/strict";
import { BackupKey, BackupKeyArgs, backupKeyPolicy } from "../../../components/kms/backupKey";
import { runComponent, statement } from "../../helpers/engine";

const base: BackupKeyArgs = {
    description: "d",
    aliasName: "alias/test-backup",
    accountId: "111111111111",
    region: "eu-west-2",
    viaServices: ["backup"],
    protect: true,
};

describe("BackupKey component", () => {
    it("rotates, has an alias, and is protected when asked", async () => {
        const run = await runComponent((provider) => {
            new BackupKey("k", base, { provider });
        });
        const key = run.one("aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(key.inputs.deletionWindowInDays, 30);
        assert.equal(key.protect, true);
        const alias = run.one("aws:kms/alias:Alias");
        assert.equal(alias.inputs.name, "alias/test-backup");
        assert.equal(alias.inputs.targetKeyId, key.outputs.keyId);
    });

    it("lets the account administer the key without granting it cryptographic use", async () => {
        const run = await runComponent((provider) => {
            new BackupKey("k", base, { provider });
        });
        const admin = statement(run.one("aws:kms/key:Key"), "KeyAdministration");
        for (const action of admin.Action as string[]) assert.doesNotMatch(action, /Encrypt|Decrypt|GenerateDataKey/);
    });

    it("limits use to the named services of this account and region", () => {
        const use = backupKeyPolicy(base).find((s) => s.Sid === "UseThroughAccountServices")!;
        assert.deepEqual(use.Condition, {
            StringEquals: { "kms:ViaService": ["backup.eu-west-2.amazonaws.com"], "kms:CallerAccount": "111111111111" },
        });
        const grants = backupKeyPolicy(base).find((s) => s.Sid === "GrantsForAwsResources")!;
        assert.deepEqual(grants.Condition?.Bool, { "kms:GrantIsForAWSResource": true });
    });

    it("lets publishing services encrypt for SNS, leaving the source-account check to the topic policy", () => {
        const s = backupKeyPolicy({ ...base, servicePrincipals: ["events.amazonaws.com"] }).find(
            (x) => x.Sid === "PublishingServices",
        )!;
        assert.deepEqual(s.Principal, { Service: ["events.amazonaws.com"] });
        assert.deepEqual(s.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
        assert.equal(s.Condition, undefined, "a condition a publisher does not send would drop alerts silently");
    });

    it("gives another account encrypt-only use, through a service and only for that account", async () => {
        const run = await runComponent((provider) => {
            new BackupKey(
                "k",
                {
                    ...base,
                    crossAccount: [
                        { sid: "Copies", accountIds: ["222222222222"], use: "encrypt", viaServices: ["backup"] },
                    ],
                },
                { provider },
            );
        });
        const s = statement(run.one("aws:kms/key:Key"), "Copies");
        assert.deepEqual(s.Principal, { AWS: ["arn:aws:iam::222222222222:root"] });
        assert.ok(!(s.Action as string[]).includes("kms:Decrypt"));
        assert.deepEqual(s.Condition, {
            StringEquals: {
                "kms:ViaService": ["backup.eu-west-2.amazonaws.com"],
                "kms:CallerAccount": ["222222222222"],
            },
        });
    });
});
