/**
 * Names that must not collide when one account holds two deployment stacks in two regions (the
 * region-loss runbook, or a user deploying a second regional stack into one account).
 *
 * "IAM object quotas and names" (IAM User Guide): role and policy names are unique within the
 * account, whatever the region; "Bucket naming rules" (S3 User Guide): bucket names are unique across
 * all accounts and regions. Every other named resource here is regional, and two stacks in one
 * account collide only when they create the same name in the same region.
 */
import * as assert from "node:assert/strict";
import * as naming from "../../naming";
import { AWS_REGIONS, iamRoleName } from "../../aws/rules";
import { Registered, runStackOffline } from "../helpers/engine";

/** Resource types whose names live in one namespace per account (IAM) or for everyone (S3). */
const GLOBAL_TYPES = new Set([
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:s3/bucketV2:BucketV2",
    "aws:s3/bucket:Bucket",
]);
const NAME_INPUTS = ["name", "bucket", "url", "alarmName", "dashboardName", "functionName", "topicName"];

/** `type name` for a global resource, `type region name` for a regional one; unnamed resources are left out. */
function namesOf(run: Registered): Map<string, string> {
    const names = new Map<string, string>();
    for (const r of run.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:"))) {
        const key = NAME_INPUTS.find((k) => typeof r.inputs[k] === "string");
        if (!key) continue;
        const region = GLOBAL_TYPES.has(r.type) ? "global" : String(run.providerOf(r)?.inputs.region);
        names.set(`${r.type} ${region} ${String(r.inputs[key])}`, r.urn);
    }
    return names;
}

describe("global names: two deployment stacks of one account in two regions", () => {
    let first: Registered;
    let second: Registered;
    before(async () => {
        first = new Registered(await runStackOffline("prod"));
        // The same account and environment, deployed again with the regions swapped. The GitHub OIDC
        // provider and roles are one set per account by design: the README has a second regional
        // stack of the account leave out the `github` block, so the second stack is planned without it.
        second = new Registered(
            await runStackOffline("prod", { region: "eu-west-1", drRegion: "eu-west-2", github: null }),
        );
    });

    it("plans both, in the regions asked", () => {
        assert.equal(first.outputs.region, "eu-west-2");
        assert.equal(second.outputs.region, "eu-west-1");
        assert.equal(first.outputs.accountId, second.outputs.accountId);
    });

    it("creates no IAM or S3 name, and no regional name in the same region, that the other stack creates", () => {
        const a = namesOf(first);
        const b = namesOf(second);
        assert.ok(a.size > 20 && b.size > 20, "both stacks name their resources");
        const collisions = [...a.keys()].filter((k) => b.has(k));
        assert.deepEqual(collisions, []);
    });

    it("names every IAM role of a deployment stack `{env}-env-{purpose}-{region}` from naming/", () => {
        for (const [run, region] of [
            [first, "eu-west-2"],
            [second, "eu-west-1"],
        ] as const) {
            // The GitHub roles are the account's, not the stack's (one set per account, see above).
            const github = [
                naming.GITHUB_DEPLOY_ROLE_NAME,
                naming.GITHUB_PREVIEW_ROLE_NAME,
                naming.GITHUB_CHECKS_ROLE_NAME,
            ];
            const roles = run
                .ofType("aws:iam/role:Role")
                .map((r) => String(r.inputs.name))
                .filter((name) => !github.includes(name));
            assert.ok(roles.length >= 4);
            for (const role of roles) assert.ok(naming.deploymentRoleNames("prod", region).includes(role), role);
        }
    });

    it("keeps every deployment role name within IAM's rule for the longest environment in every region", () => {
        const longest = "abcdefghijklmnop"; // 16 characters, the config's maximum
        for (const region of AWS_REGIONS)
            for (const role of naming.deploymentRoleNames(longest, region)) assert.equal(iamRoleName(role), undefined);
    });
});
