/**
 * The organization backup policy (BACKUP_POLICY): AWS Organizations turns it into a backup plan in
 * every account of its targets, so an account added to the OU is backed up before any stack is
 * written for it. Syntax: AWS Organizations, "Backup policy syntax and examples"
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html):
 * every value under an `@@assign` operator, numbers as strings; the policy must name the regions, the
 * resources (here by tag) and the IAM role (`$account` stands for each member account); the vault
 * must exist in every account and region before the plan runs, which the baseline StackSet sees to.
 */
import * as pulumi from "@pulumi/pulumi";
import * as org from "../../naming/organization";
import { OrganizationPolicy } from "./organizationPolicy";

export interface PolicyLifecycle {
    deleteAfterDays: number;
    moveToColdStorageAfterDays?: number;
}

export interface PolicyRule {
    schedule: string;
    startWindowMinutes: number;
    completionWindowMinutes: number;
    lifecycle: PolicyLifecycle;
    /** Copies, each with an explicit lifecycle, by destination vault ARN. */
    copies: { vaultArn: string; lifecycle: PolicyLifecycle }[];
}

export interface BackupPolicyContentArgs {
    regions: string[];
    rules: Record<string, PolicyRule>;
    selectionTag: { key: string; value: string };
}

const assign = (value: unknown) => ({ "@@assign": value });

function lifecycle(lc: PolicyLifecycle) {
    return {
        delete_after_days: assign(String(lc.deleteAfterDays)),
        ...(lc.moveToColdStorageAfterDays !== undefined
            ? { move_to_cold_storage_after_days: assign(String(lc.moveToColdStorageAfterDays)) }
            : {}),
    };
}

/** The policy document: one plan, the strategy's rules, selection by tag, copies with lifecycles. */
export function backupPolicyContent(args: BackupPolicyContentArgs) {
    const rules = Object.fromEntries(
        Object.entries(args.rules).map(([name, rule]) => [
            name,
            {
                schedule_expression: assign(rule.schedule),
                start_backup_window_minutes: assign(String(rule.startWindowMinutes)),
                complete_backup_window_minutes: assign(String(rule.completionWindowMinutes)),
                target_backup_vault_name: assign(org.BASELINE_VAULT_NAME),
                lifecycle: lifecycle(rule.lifecycle),
                ...(rule.copies.length
                    ? {
                          copy_actions: Object.fromEntries(
                              rule.copies.map((c) => [
                                  c.vaultArn,
                                  { target_backup_vault_arn: assign(c.vaultArn), lifecycle: lifecycle(c.lifecycle) },
                              ]),
                          ),
                      }
                    : {}),
            },
        ]),
    );
    return {
        plans: {
            [org.ORGANIZATION_BACKUP_PLAN_NAME]: {
                regions: assign(args.regions),
                rules,
                selections: {
                    tags: {
                        [`${args.selectionTag.key}-tagged`]: {
                            iam_role_arn: assign(org.BASELINE_BACKUP_ROLE_ARN_IN_POLICY),
                            tag_key: assign(args.selectionTag.key),
                            tag_value: assign([args.selectionTag.value]),
                        },
                    },
                },
            },
        },
    };
}

export interface OrganizationBackupPolicyArgs extends BackupPolicyContentArgs {
    targets: string[];
    tags?: Record<string, string>;
    /** Accounts known to be in the targets, recorded on the policy as `member:<account id>` tags (for the posture). */
    memberAccounts?: { accountId: string; name: string }[];
}

/** The tag prefix that records a declared member account on the policy. */
export const MEMBER_TAG_PREFIX = "member:";

export class OrganizationBackupPolicy extends pulumi.ComponentResource {
    readonly policy: OrganizationPolicy;

    constructor(name: string, args: OrganizationBackupPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:OrganizationBackupPolicy", name, {}, opts);
        this.policy = new OrganizationPolicy(
            `${name}-baseline`,
            {
                type: "BACKUP_POLICY",
                policyName: org.ORGANIZATION_BACKUP_PLAN_NAME,
                description: "The strategy's backup plan for every account of the deployment OU, from the day it joins",
                document: backupPolicyContent(args),
                targets: args.targets,
                tags: {
                    ...args.tags,
                    ...Object.fromEntries(
                        (args.memberAccounts ?? []).map((m) => [`${MEMBER_TAG_PREFIX}${m.accountId}`, m.name]),
                    ),
                },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
