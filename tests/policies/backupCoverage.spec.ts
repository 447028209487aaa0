import { tablesInBackupSelection } from "../../policies/backupCoverage";
import { SELECTION, TABLE } from "../../policies/lib/tokens";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    runPolicy,
    stackArgs,
    unknown,
    urnOf,
} from "../helpers/policyHarness";

const ARN = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";
const receipts = (extra: Record<string, unknown> = {}): FakeResource => ({
    type: TABLE,
    name: "receipts",
    props: { name: "prod-env-receipts", arn: ARN, tags: {}, ...extra },
});
const selection = (props: Record<string, unknown>, extra: Partial<FakeResource> = {}): FakeResource => ({
    type: SELECTION,
    name: "selection",
    props: { planId: "plan-1", iamRoleArn: "arn:aws:iam::111111111111:role/prod-env-backup-service", ...props },
    ...extra,
});

describe("policies/backupCoverage", () => {
    describe("backup-selection-covers-tables", () => {
        it("passes a table listed by ARN in a selection's resources", () => {
            assertCompliant(
                runPolicy(tablesInBackupSelection, stackArgs([receipts(), selection({ resources: [ARN] })])),
            );
        });

        it("passes a table selected by a wildcard ARN", () => {
            assertCompliant(
                runPolicy(
                    tablesInBackupSelection,
                    stackArgs([receipts(), selection({ resources: ["arn:aws:dynamodb:*:*:table/*"] })]),
                ),
            );
        });

        it("passes a table carrying the tag of a selection's selectionTags", () => {
            const stack = [
                receipts({ tags: { "backup-plan": "vat-backup" } }),
                selection({ selectionTags: [{ type: "STRINGEQUALS", key: "backup-plan", value: "vat-backup" }] }),
            ];
            assertCompliant(runPolicy(tablesInBackupSelection, stackArgs(stack)));
        });

        it("passes a table selected by a tag condition (aws:ResourceTag/...)", () => {
            const stack = [
                receipts({ tags: { "backup-plan": "vat-backup" } }),
                selection({
                    conditions: [{ stringEquals: [{ key: "aws:ResourceTag/backup-plan", value: "vat-backup" }] }],
                }),
            ];
            assertCompliant(runPolicy(tablesInBackupSelection, stackArgs(stack)));
        });

        it("passes during preview when the table's ARN is unknown but the selection depends on it", () => {
            const stack = [
                receipts({ arn: unknown.string }),
                selection({ resources: [unknown.string] }, { propertyDependencies: { resources: ["receipts"] } }),
            ];
            assertCompliant(runPolicy(tablesInBackupSelection, stackArgs(stack)));
        });

        it("flags a table no selection covers, at the table's URN", () => {
            const stack = [
                receipts(),
                selection({ resources: ["arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-bundles"] }),
            ];
            assertViolation(
                runPolicy(tablesInBackupSelection, stackArgs(stack)),
                "Table 'prod-env-receipts' is not covered by any backup selection",
                urnOf(TABLE, "receipts"),
            );
        });

        it("flags a table the selection's notResources excludes", () => {
            const stack = [receipts(), selection({ resources: ["arn:aws:dynamodb:*:*:table/*"], notResources: [ARN] })];
            assertViolation(
                runPolicy(tablesInBackupSelection, stackArgs(stack)),
                "is not covered by any backup selection",
            );
        });

        it("flags a tagged table when the selection's conditions also require a tag it lacks (conditions are ANDed)", () => {
            const stack = [
                receipts({ tags: { "backup-plan": "vat-backup" } }),
                selection({
                    selectionTags: [{ type: "STRINGEQUALS", key: "backup-plan", value: "vat-backup" }],
                    conditions: [{ stringEquals: [{ key: "aws:ResourceTag/tier", value: "critical" }] }],
                }),
            ];
            assertViolation(runPolicy(tablesInBackupSelection, stackArgs(stack)), "is not covered");
        });

        it("flags a table in a stack with no selection at all", () => {
            assertViolation(runPolicy(tablesInBackupSelection, stackArgs([receipts()])), "is not covered");
        });

        it("is not applicable to a stack without tables", () => {
            assertNotApplicable(
                runPolicy(tablesInBackupSelection, stackArgs([selection({ resources: [ARN] })])),
                TABLE,
            );
        });
    });
});
