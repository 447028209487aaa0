/**
 * Every table the stack defines is assigned to a backup plan: PITR alone stays inside the account,
 * and only AWS Backup copies reach the backup account.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dependsOn, knownStrings, readKnown } from "./lib/joins";
import { asArray, globMatch, ofTypes, tagsOf, validateStackWith } from "./lib/policy";
import { SELECTION, SelectionProps, TABLE, TABLE_PITR } from "./lib/tokens";

interface TableIdentity {
    resource: PolicyResource;
    name?: string;
    arn?: string;
    tags: Record<string, string>;
}

const RESOURCE_TAG = "aws:ResourceTag/";

/** Does an ARN pattern of a selection name this table? With the ARN unknown (preview), by service and `table/<name>`. */
function arnPatternMatches(pattern: string, table: TableIdentity): boolean {
    if (table.arn) return globMatch(pattern, table.arn);
    if (!table.name) return false;
    const parts = pattern.split(":");
    if (parts.length < 6) return false;
    return globMatch(parts[2], "dynamodb") && globMatch(parts.slice(5).join(":"), `table/${table.name}`);
}

function conditionTag(key: string): string | undefined {
    return key.startsWith(RESOURCE_TAG) ? key.slice(RESOURCE_TAG.length) : undefined;
}

/**
 * AWS Backup's assignment rules: a resource is selected when it matches one of `resources` or one
 * of `selectionTags` (ListOfTags, OR), and all of `conditions` (AND), and none of `notResources`.
 * With neither resources nor tags, the conditions alone select.
 */
export function selectionCovers(selection: PolicyResource, table: TableIdentity): boolean {
    const props = selection.props as SelectionProps;
    const resources = knownStrings(() => props.resources);
    const byDependency = dependsOn(selection, "resources", table.resource);
    const byArn = byDependency || resources.some((p) => arnPatternMatches(p, table));
    const tagSelectors = asArray(readKnown(() => props.selectionTags));
    const byTag = tagSelectors.some((t) => t.type === "STRINGEQUALS" && table.tags[t.key] === t.value);
    const hasIncludes = resources.length > 0 || byDependency || tagSelectors.length > 0;
    if (hasIncludes && !byArn && !byTag) return false;

    for (const condition of asArray(readKnown(() => props.conditions))) {
        const test = (
            list: { key: string; value: string }[] | undefined,
            ok: (actual: string | undefined, value: string) => boolean,
        ) =>
            asArray(list).every((c) => {
                const tag = conditionTag(c.key);
                return tag !== undefined && ok(table.tags[tag], c.value);
            });
        if (!test(condition.stringEquals, (a, v) => a === v)) return false;
        if (!test(condition.stringLikes, (a, v) => a !== undefined && globMatch(v, a))) return false;
        if (!test(condition.stringNotEquals, (a, v) => a !== v)) return false;
        if (!test(condition.stringNotLikes, (a, v) => a === undefined || !globMatch(v, a))) return false;
    }

    const excluded =
        dependsOn(selection, "notResources", table.resource) ||
        knownStrings(() => props.notResources).some((p) => arnPatternMatches(p, table));
    return !excluded;
}

export const tablesInBackupSelection: StackValidationPolicy = {
    name: "backup-selection-covers-tables",
    description:
        "Every DynamoDB table the stack defines, or keeps PITR on through its TablePitr resource, is assigned to a backup plan by an AWS Backup selection.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Add the table's ARN to an aws.backup.Selection's `resources`, or give the table a tag that a selection's " +
        "`selectionTags` or `conditions` select (and check `notResources` does not exclude it).",
    validateStack: validateStackWith([TABLE, TABLE_PITR], (args, reportViolation) => {
        const selections = ofTypes(args.resources, SELECTION);
        for (const resource of ofTypes(args.resources, [TABLE, TABLE_PITR])) {
            const owned = resource.type === TABLE;
            const name = readKnown(() => (owned ? resource.props.name : resource.props.tableName));
            const arn = readKnown(() => (owned ? resource.props.arn : resource.props.tableArn));
            const table: TableIdentity = {
                resource,
                name: typeof name === "string" ? name : undefined,
                arn: typeof arn === "string" ? arn : undefined,
                tags: tagsOf(resource.props),
            };
            if (!selections.some((s) => selectionCovers(s, table))) {
                reportViolation(
                    `Table '${table.name ?? resource.name}' is not covered by any backup selection, so AWS Backup never copies it out of the account. ` +
                        "List its ARN in an aws.backup.Selection's `resources`, or tag it with a tag a selection selects.",
                    resource.urn,
                );
            }
        }
    }),
};

export const backupCoveragePolicies = [tablesInBackupSelection];
