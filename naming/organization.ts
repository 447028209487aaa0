/**
 * Names the organization's guardrails share with the member accounts: the baseline that the
 * StackSet creates in every account the backup policy covers (the policy names it), and the roles
 * the service control policies exempt. One module, so the SCP exemptions, the backup policy and
 * the StackSet template cannot drift apart.
 */
import { DEFAULT_BREAK_GLASS_ROLE_NAME, GITHUB_DEPLOY_ROLE_NAME, iamRoleArn, PARTITION } from "./index";

/** The vault the StackSet creates in each covered account, and the organization backup policy targets. */
export const BASELINE_VAULT_NAME = "vat-backup-baseline-vault";

/** The role AWS Backup assumes for the organization policy's jobs in each covered account. */
export const BASELINE_BACKUP_ROLE_NAME = "vat-backup-baseline-backup-service";

/** The role EventBridge assumes in each covered account to forward failed jobs to the backup account. */
export const BASELINE_EVENT_FORWARDING_ROLE_NAME = "vat-backup-baseline-event-forwarding";

/** KMS alias of the baseline vault's key in each covered account. */
export const BASELINE_KEY_ALIAS = "alias/vat-backup-baseline";

/** The StackSet that creates the baseline (and the plan name of the backup policy). */
export const BASELINE_STACK_SET_NAME = "vat-backup-baseline";
export const ORGANIZATION_BACKUP_PLAN_NAME = "vat-backup-organization-baseline";

/**
 * The backup policy's role ARN: `$account` is the backup policy's own variable, replaced by AWS
 * with each member account's id (AWS Organizations, "Backup policy syntax and examples").
 */
export const BASELINE_BACKUP_ROLE_ARN_IN_POLICY = `arn:${PARTITION}:iam::$account:role/${BASELINE_BACKUP_ROLE_NAME}`;

/** The role the DR command line assumes in a deployment account to restore (PITR on a restored table). */
export const DR_RESTORE_ROLE_NAME = "vat-backup-dr-restore";

/**
 * The role through which the management account administers a member account it created
 * (AWS Organizations creates it in every new account); the first `pulumi up` of a deployment stack
 * runs as it, before the GitHub deploy role exists.
 */
export const ORGANIZATION_ACCESS_ROLE_NAME = "OrganizationAccountAccessRole";

/** The execution role of service-managed StackSets in member accounts (created by AWS, name prefix). */
export const STACK_SET_EXECUTION_ROLE_PREFIX = "stacksets-exec-";

/** The organization trail the program creates when Control Tower's is not adopted. */
export const ORGANIZATION_TRAIL_NAME = "vat-backup-organization-trail";

/** The bucket receiving the organization trail's logs: account and region in the name (globally unique). */
export function organizationTrailBucketName(managementAccountId: string, region: string): string {
    return `vat-backup-org-trail-${managementAccountId}-${region}`;
}

/** Default exempted role names per duty (config `guardrails.exemptRoles` overrides them). */
export const DEFAULT_EXEMPT_ROLES = {
    /** What `pulumi up` of a deployment stack changes: PITR on, vault and plan configuration. */
    deploy: [GITHUB_DEPLOY_ROLE_NAME, ORGANIZATION_ACCESS_ROLE_NAME],
    /** A restore by the DR tool: PITR on the restored table. */
    drRestore: [DR_RESTORE_ROLE_NAME],
    /** The two-person change: everything the SCPs deny, recovery points included. */
    breakGlass: [DEFAULT_BREAK_GLASS_ROLE_NAME],
} as const;

/**
 * An exempted role as the SCPs name it: any account of the OU. A trailing `*` admits the per-stack
 * suffixes (region) that global IAM names may carry; the SCPs then also deny creating such a role to
 * anyone but the deploy roles, so the wildcard admits no role an account's administrator can make.
 */
export function exemptRoleArnPattern(roleName: string): string {
    return iamRoleArn("*", roleName.endsWith("*") ? roleName : `${roleName}*`);
}
