import * as assert from "node:assert/strict";
import { engineUrn } from "../../offline/engine";
import { Registered, runStackOffline } from "../helpers/engine";

describe("offline engine", () => {
    it("makes URNs as the engine does: no root-stack type, every ancestor's type for nested children", async () => {
        const prod = new Registered(await runStackOffline("prod"));
        assert.equal(
            prod.named("prod-eu-west-2").urn,
            "urn:pulumi:prod::vat-backup::pulumi:providers:aws::prod-eu-west-2",
        );
        assert.equal(prod.named("alerts").urn, "urn:pulumi:prod::vat-backup::backup:alerting:AlertTopic::alerts");
        assert.equal(
            prod.named("alerts-key-key").urn,
            "urn:pulumi:prod::vat-backup::backup:alerting:AlertTopic$backup:kms:BackupKey$aws:kms/key:Key::alerts-key-key",
        );
        assert.equal(prod.named("alerts-key-key").parent, prod.named("alerts-key").urn);
    });

    it("qualifies a type by its parent's whole qualified type", () => {
        const parent = "urn:pulumi:s::p::a:b:C$d:e:F::x";
        assert.equal(engineUrn("s", "p", parent, "g:h:I", "y"), "urn:pulumi:s::p::a:b:C$d:e:F$g:h:I::y");
        assert.equal(
            engineUrn("s", "p", "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "g:h:I", "y"),
            "urn:pulumi:s::p::g:h:I::y",
        );
        assert.equal(
            engineUrn("s", "p", undefined, "pulumi:pulumi:Stack", "p-s"),
            "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
        );
    });

    it("records each resource's explicit provider and protection, and masks secrets", async () => {
        const backup = new Registered(await runStackOffline("backup"));
        const lock = backup.named("central-vault-lock");
        assert.equal(lock.protect, true);
        assert.equal(backup.providerOf(lock)?.name, "backup-eu-west-2");
        assert.ok(
            backup.resources.every((r) => !JSON.stringify(r).includes("4dabf18193072939515e22adb298388d")),
            "no wire-format signature leaks into the record",
        );
    });
});
