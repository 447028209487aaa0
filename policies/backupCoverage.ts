/**
 * Every table the stack defines is assigned to a backup plan: PITR alone stays inside the account,
 * and only AWS Backup copies reach the backup account.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { knownStrings, readKnown } from "./lib/joins";
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

/** A selection's ARN patterns, read once: literal ones looked up by value, wildcards matched one by one. */
interface CompiledPatterns {
    exactArns: Set<string>;
    /** `table/<name>` of the literal DynamoDB patterns, for a table whose ARN is unknown (preview). */
    exactTableResources: Set<string>;
    wildcards: string[];
    dependencyUrns: Set<string>;
}

function compilePatterns(selection: PolicyResource, property: "resources" | "notResources"): CompiledPatterns {
    const compiled: CompiledPatterns = {
        exactArns: new Set(),
        exactTableResources: new Set(),
        wildcards: [],
        dependencyUrns: new Set((selection.propertyDependencies?.[property] ?? []).map((d) => d.urn)),
    };
    for (const pattern of knownStrings(() => (selection.props as SelectionProps)[property])) {
        if (/[*?]/.test(pattern)) {
            compiled.wildcards.push(pattern);
            continue;
        }
        compiled.exactArns.add(pattern);
        const parts = pattern.split(":");
        if (parts.length >= 6 && parts[2] === "dynamodb") compiled.exactTableResources.add(parts.slice(5).join(":"));
    }
    return compiled;
}

function patternsName(patterns: CompiledPatterns, table: TableIdentity): boolean {
    if (patterns.dependencyUrns.has(table.resource.urn)) return true;
    const literal = table.arn
        ? patterns.exactArns.has(table.arn)
        : !!table.name && patterns.exactTableResources.has(`table/${table.name}`);
    return literal || patterns.wildcards.some((p) => arnPatternMatches(p, table));
}

/**
 * AWS Backup's assignment rules: a resource is selected when it matches one of `resources` or one
 * of `selectionTags` (ListOfTags, OR), and all of `conditions` (AND), and none of `notResources`.
 * With neither resources nor tags, the conditions alone select. The selection is read once and the
 * returned test applied to each table, so checking N tables against selections of 500 ARNs each
 * stays linear in N (a stack may list thousands of tables).
 */
export function compileSelection(selection: PolicyResource): (table: TableIdentity) => boolean {
    const props = selection.props as SelectionProps;
    const resources = compilePatterns(selection, "resources");
    const notResources = compilePatterns(selection, "notResources");
    const tagSelectors = asArray(readKnown(() => props.selectionTags));
    const conditions = asArray(readKnown(() => props.conditions));
    const hasIncludes =
        resources.exactArns.size > 0 ||
        resources.wildcards.length > 0 ||
        resources.dependencyUrns.size > 0 ||
        tagSelectors.length > 0;

    return (table) => {
        const byArn = patternsName(resources, table);
        const byTag = tagSelectors.some((t) => t.type === "STRINGEQUALS" && table.tags[t.key] === t.value);
        if (hasIncludes && !byArn && !byTag) return false;

        for (const condition of conditions) {
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
        return !patternsName(notResources, table);
    };
}

/** Does this selection assign this table to its plan? (One selection, one table: see `compileSelection`.) */
export function selectionCovers(selection: PolicyResource, table: TableIdentity): boolean {
    return compileSelection(selection)(table);
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
        const selections = ofTypes(args.resources, SELECTION).map(compileSelection);
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
            if (!selections.some((covers) => covers(table))) {
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
