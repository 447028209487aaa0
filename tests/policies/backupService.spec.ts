import * as assert from "node:assert/strict";
import { dynamodbAdvancedBackup, SERVICE_ROLE_POLICIES, serviceRolePermissions } from "../../policies/backupService";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    runPolicy,
    stackArgs,
} from "../helpers/policyHarness";

const london = { props: { region: "eu-west-2", allowedAccountIds: ["111111111111"] } };
const ireland = { props: { region: "eu-west-1", allowedAccountIds: ["111111111111"] } };

describe("policies/backupService", () => {
    describe("backup-dynamodb-advanced-features (AWS Backup: advanced DynamoDB backup is needed for cross-account copy and cold storage)", () => {
        const plan: FakeResource = { type: "aws:backup/plan:Plan", name: "plan", props: {}, provider: london };
        const settings = (management: boolean, optIn: boolean, provider = london): FakeResource => ({
            type: "aws:backup/regionSettings:RegionSettings",
            name: `settings-${provider.props.region}`,
            props: {
                resourceTypeManagementPreference: { DynamoDB: management },
                resourceTypeOptInPreference: { DynamoDB: optIn },
            },
            provider,
        });
        const run = (resources: FakeResource[]) => runPolicy(dynamodbAdvancedBackup, stackArgs(resources));
        it("passes a plan whose region manages and opts in DynamoDB", () => {
            assertCompliant(run([plan, settings(true, true)]));
        });
        it("flags a region without settings", () => {
            assertViolation(
                run([plan]),
                "AWS Backup's advanced DynamoDB backup is not switched on in eu-west-2 (no aws.backup.RegionSettings there)",
            );
        });
        it("flags management or opt-in switched off", () => {
            assertViolation(run([plan, settings(false, true)]), "is not switched on in eu-west-2:");
            assertViolation(run([plan, settings(true, false)]), "is not switched on in eu-west-2:");
        });
        it("checks every region with a vault, not only the plan's", () => {
            const vault: FakeResource = { type: "aws:backup/vault:Vault", name: "dr", props: {}, provider: ireland };
            assertViolation(run([plan, vault, settings(true, true)]), "not switched on in eu-west-1");
            assertCompliant(run([plan, vault, settings(true, true), settings(true, true, ireland)]));
        });
        it("takes the region from the resource's own input without a provider", () => {
            assertViolation(
                run([
                    { type: "aws:backup/vault:Vault", name: "v", props: { region: "eu-west-3" } },
                    settings(true, true),
                ]),
                "not switched on in eu-west-3",
            );
        });
        it("is not applicable without plans or vaults", () => {
            assertNotApplicable(run([settings(true, true)]), "aws:backup/plan:Plan");
        });
    });

    describe("backup-service-role-permissions", () => {
        const role = (name: string): FakeResource => ({ type: "aws:iam/role:Role", name, props: { name } });
        const attach = (role: string, policyArn: string): FakeResource => ({
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: `${role}-${policyArn.split("/").pop()}`,
            props: { role, policyArn },
        });
        const selection = (roleName: string): FakeResource => ({
            type: "aws:backup/selection:Selection",
            name: "listed",
            props: { iamRoleArn: `arn:aws:iam::111111111111:role/${roleName}` },
        });
        const restoreSelection = (roleName: string): FakeResource => ({
            type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
            name: "rts",
            props: { iamRoleArn: `arn:aws:iam::111111111111:role/service-role/${roleName}` },
        });
        const run = (resources: FakeResource[], config: Record<string, unknown> = {}) =>
            runPolicy(serviceRolePermissions, stackArgs(resources, { config }));
        it("names AWS's managed policies", () => {
            assert.deepEqual(SERVICE_ROLE_POLICIES, {
                backup: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                restore: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
            });
        });
        it("passes roles carrying the policies their selections need", () => {
            assertCompliant(
                run([
                    role("backup"),
                    attach("backup", SERVICE_ROLE_POLICIES.backup),
                    selection("backup"),
                    role("restore"),
                    attach("restore", SERVICE_ROLE_POLICIES.restore),
                    restoreSelection("restore"),
                ]),
            );
        });
        it("flags a backup role without AWSBackupServiceRolePolicyForBackup", () => {
            assertViolation(
                run([role("backup"), attach("backup", SERVICE_ROLE_POLICIES.restore), selection("backup")]),
                "Role 'backup' of Selection 'listed' lacks AWSBackupServiceRolePolicyForBackup, so AWS Backup cannot back up or copy what it selects",
            );
        });
        it("flags a restore-testing role without AWSBackupServiceRolePolicyForRestores (role paths included)", () => {
            assertViolation(
                run([role("restore"), restoreSelection("restore")]),
                "Role 'restore' of RestoreTestingSelection 'rts' lacks AWSBackupServiceRolePolicyForRestores",
            );
        });
        it("leaves roles the stack does not create to their owners", () => {
            assertCompliant(run([selection("AWSBackupDefaultServiceRole")]));
        });
        it("takes the policy ARNs from config", () => {
            assertCompliant(
                run([role("backup"), attach("backup", "arn:aws:iam::1:policy/custom"), selection("backup")], {
                    backupPolicyArn: "arn:aws:iam::1:policy/custom",
                }),
            );
        });
        it("is not applicable without selections", () => {
            assertNotApplicable(run([role("x")]), "aws:backup/selection:Selection");
        });
    });
});
