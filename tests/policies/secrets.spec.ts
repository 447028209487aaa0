import { criticalSecretsReplicated, secretIdNames } from "../../policies/secrets";
import { DYNAMIC, SECRET } from "../../policies/lib/tokens";
import * as assert from "assert";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    runPolicy,
    stackArgs,
    urnOf,
} from "../helpers/policyHarness";

const SALT = "prod/submit/user-sub-hash-salt";
const replica = (
    secretId: string,
    replicaRegion: string | undefined,
    extra: Record<string, unknown> = {},
): FakeResource => ({
    type: DYNAMIC,
    name: "salt-replica",
    props: { __provider: "serialized", secretId, replicaRegion, region: "eu-west-2", ...extra },
});
const owned = (props: Record<string, unknown>): FakeResource => ({
    type: SECRET,
    name: "owned-secret",
    props: { name: "prod/backup/export-key", ...props },
    provider: { props: { region: "eu-west-2" } },
});
const critical = { config: { criticalSecrets: [SALT] } };

describe("policies/secrets", () => {
    it("reads a secret's name out of its ARN (with the 6-character suffix)", () => {
        assert.ok(secretIdNames(`arn:aws:secretsmanager:eu-west-2:111111111111:secret:${SALT}-AbCdEf`, SALT));
        assert.ok(!secretIdNames(`arn:aws:secretsmanager:eu-west-2:111111111111:secret:${SALT}-old-AbCdEf`, SALT));
    });

    describe("critical-secrets-replicated", () => {
        it("passes a configured critical secret replicated by the dynamic resource to another region", () => {
            assertCompliant(runPolicy(criticalSecretsReplicated, stackArgs([replica(SALT, "eu-west-1")], critical)));
        });
        it("flags a configured critical secret with no replica in the stack", () => {
            assertViolation(
                runPolicy(criticalSecretsReplicated, stackArgs([], critical)),
                `Critical secret '${SALT}' has no replica in this stack`,
            );
        });
        it("flags a replica in the secret's own region", () => {
            assertViolation(
                runPolicy(criticalSecretsReplicated, stackArgs([replica(SALT, "eu-west-2")], critical)),
                "is in the secret's own region eu-west-2",
                urnOf(DYNAMIC, "salt-replica"),
            );
        });
        it("passes an owned secret tagged critical with a replica in another region", () => {
            const secret = owned({ tags: { "vat-backup:critical": "true" }, replicas: [{ region: "eu-west-1" }] });
            assertCompliant(runPolicy(criticalSecretsReplicated, stackArgs([secret])));
        });
        it("flags an owned critical secret whose only replica is in its provider's region", () => {
            const secret = owned({ tags: { "vat-backup:critical": "true" }, replicas: [{ region: "eu-west-2" }] });
            assertViolation(
                runPolicy(criticalSecretsReplicated, stackArgs([secret])),
                "Critical secret 'prod/backup/export-key' has no replica in another region",
            );
        });
        it("is not applicable when no secret is critical", () => {
            assertNotApplicable(runPolicy(criticalSecretsReplicated, stackArgs([owned({})])), "No critical secrets");
        });
    });
});
