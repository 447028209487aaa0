/**
 * AWS Backup's region settings, per region (aws/backupRegionSettings.ts): UpdateRegionSettings
 * rejects a resource type the region does not support ("Element present in resource type opt in
 * preference has invalid values", hashicorp/terraform-provider-aws#21801), and the provider's
 * `resource_type_opt_in_preference` (required map, not computed) diffs on every type AWS returns
 * that the program leaves out. So each known region names exactly its types, and an unknown region
 * is refused with the command that lists its types (AWS Backup API Reference, UpdateRegionSettings:
 * "Use the DescribeRegionSettings API to determine the resource types that are supported").
 */
import * as assert from "node:assert/strict";
import {
    BACKUP_RESOURCE_TYPES_BY_REGION,
    backupRegionSettingsRule,
    regionSettingsPreferences,
} from "../../aws/backupRegionSettings";
import { runStackOffline } from "../helpers/engine";

describe("AWS Backup region settings per region", () => {
    it("names every type of the region, switching on only those asked for", () => {
        const prefs = regionSettingsPreferences("eu-west-1", ["DynamoDB"], ["DynamoDB"]);
        assert.deepEqual(
            Object.keys(prefs.resourceTypeOptInPreference),
            BACKUP_RESOURCE_TYPES_BY_REGION["eu-west-1"].optIn,
        );
        assert.deepEqual(
            Object.entries(prefs.resourceTypeOptInPreference).filter(([, on]) => on),
            [["DynamoDB", true]],
        );
        assert.equal(prefs.resourceTypeManagementPreference.DynamoDB, true);
        assert.equal(regionSettingsPreferences("eu-west-1", [], []).resourceTypeManagementPreference.DynamoDB, false);
    });

    it("differs by region: a type a region lacks is never sent there (Timestream in London)", () => {
        assert.ok(BACKUP_RESOURCE_TYPES_BY_REGION["eu-west-1"].optIn.includes("Timestream"));
        assert.ok(!BACKUP_RESOURCE_TYPES_BY_REGION["eu-west-2"].optIn.includes("Timestream"));
        assert.ok(
            !("Timestream" in regionSettingsPreferences("eu-west-2", ["DynamoDB"], []).resourceTypeOptInPreference),
        );
        assert.throws(
            () => regionSettingsPreferences("eu-west-2", ["Timestream"], []),
            /no resource type 'Timestream' in eu-west-2/,
        );
    });

    it("refuses a region it does not know, naming the command that lists its types", () => {
        assert.equal(backupRegionSettingsRule("eu-west-2"), undefined);
        assert.match(
            String(backupRegionSettingsRule("us-west-1")),
            /aws backup describe-region-settings --region us-west-1/,
        );
        assert.throws(
            () => regionSettingsPreferences("us-west-1", ["DynamoDB"], []),
            /UpdateRegionSettings rejects a type/,
        );
    });

    it("the backup stack sets both its regions' settings with each region's own types", async () => {
        const run = await runStackOffline("backup");
        const settings = run.resources.filter((r) => r.type === "aws:backup/regionSettings:RegionSettings");
        const regionOf = (providerUrn: string | null) =>
            String(run.resources.find((r) => providerUrn?.startsWith(r.urn))?.inputs.region);
        assert.deepEqual(settings.map((s) => regionOf(s.provider)).sort(), ["eu-west-1", "eu-west-2"]);
        for (const s of settings) {
            const region = regionOf(s.provider);
            assert.deepEqual(
                Object.keys(s.inputs.resourceTypeOptInPreference as object).sort(),
                [...BACKUP_RESOURCE_TYPES_BY_REGION[region].optIn].sort(),
                region,
            );
        }
    });
});
