/**
 * The organization's management account: the switches only it can throw, and the guardrails that
 * make every account of the deployment OU protected from the day it joins. Cross-account backup is
 * off for an organization until this stack runs, and every copy job into the backup account fails.
 *
 * With `guardrails` set: the organization backup policy and the StackSet creating the baseline it
 * names, the SCPs of the deployment OU, the RCP of the backup account, AWS Backup delegated to the
 * backup account, and the organization trail (or Control Tower's, adopted and protected).
 */
import * as orgRules from "../aws/organizations";
import * as orgNames from "../naming/organization";
import { BackupBaseline } from "../components/organization/backupBaseline";
import { OrganizationBackupPolicy } from "../components/organization/backupPolicy";
import { DelegatedBackupAdministration } from "../components/organization/delegatedBackupAdministration";
import { OrganizationTrail } from "../components/organization/organizationTrail";
import { ResourceControlPolicies } from "../components/organization/resourceControlPolicies";
import { ServiceControlPolicies } from "../components/organization/serviceControlPolicies";
import { TrustedAccess } from "../components/organization/trustedAccess";
import { CrossAccountBackup } from "../components/settings/crossAccountBackup";
import { OrganizationConfig, organizationPolicyRules, trailManagers } from "./config";
import { githubOutputs, githubRoles } from "./github";
import { awsProvider } from "./providers";

export function organizationStack(cfg: OrganizationConfig) {
    const provider = awsProvider(`management-${cfg.region}`, {
        accountId: cfg.accountId,
        region: cfg.region,
        deployRoleArn: cfg.deployRoleArn,
        tags: { environment: cfg.environment, ...cfg.tags },
    });
    const opts = { provider };
    const g = cfg.guardrails;
    const backup = cfg.backupAccount;
    const delegate = Boolean(g && backup && cfg.delegatedBackupAdministrator);
    const crossAccount = new CrossAccountBackup(
        "cross-account-backup",
        { delegatedAdministrator: delegate, multiPartyApproval: cfg.multiPartyApproval },
        opts,
    );
    const github = githubRoles(cfg, [cfg.region], opts, { managesOrganization: true });
    const outputs = {
        ...githubOutputs(github),
        accountId: cfg.accountId,
        organizationId: cfg.organizationId,
        crossAccountBackupEnabled: crossAccount.settings.globalSettings.apply(
            (s) => s?.isCrossAccountBackupEnabled === "true",
        ),
    };
    if (!g || !backup) return outputs;

    const tags = { project: "vat-backup" };
    const creatingTrail = cfg.organizationTrail.mode === "create";
    const trusted = new TrustedAccess(
        "trusted-access",
        {
            services: {
                "stack-sets": orgRules.TRUSTED_SERVICES.stackSets,
                ram: orgRules.TRUSTED_SERVICES.ram,
                ...(creatingTrail ? { cloudtrail: orgRules.TRUSTED_SERVICES.cloudTrail } : {}),
            },
        },
        opts,
    );
    if (cfg.backupPolicy.enabled) {
        const rules = organizationPolicyRules(cfg);
        const baseline = new BackupBaseline(
            "backup-baseline",
            {
                organizationalUnitIds: g.deploymentOus,
                regions: rules.regions,
                backupAccountId: backup.accountId,
                backupRegion: backup.region,
                tags,
            },
            { ...opts, dependsOn: [trusted] },
        );
        new OrganizationBackupPolicy(
            "backup-policy",
            { ...rules, targets: g.deploymentOus, tags, memberAccounts: g.memberAccounts },
            { ...opts, dependsOn: [baseline] },
        );
    }
    if (g.serviceControlPolicies)
        new ServiceControlPolicies(
            "guardrails",
            {
                roles: g.exemptRoles,
                trailManagers: trailManagers(cfg.organizationTrail),
                targets: [...g.deploymentOus, ...g.extraScpTargets],
                tags,
            },
            opts,
        );
    if (g.resourceControlPolicies)
        new ResourceControlPolicies(
            "perimeter",
            { organizationId: cfg.organizationId, targets: [backup.accountId], tags },
            opts,
        );
    if (delegate)
        new DelegatedBackupAdministration(
            "delegated-backup-admin",
            { backupAccountId: backup.accountId, dependsOn: [crossAccount.settings] },
            opts,
        );
    const trail =
        cfg.organizationTrail.mode === "create"
            ? new OrganizationTrail(
                  "organization-trail",
                  {
                      trailName: cfg.organizationTrail.name,
                      bucketName: orgNames.organizationTrailBucketName(cfg.accountId, cfg.region),
                      managementAccountId: cfg.accountId,
                      organizationId: cfg.organizationId,
                      region: cfg.region,
                      protect: cfg.protectData,
                  },
                  { ...opts, dependsOn: [trusted] },
              ).arn
            : cfg.organizationTrail.trailArn;
    return {
        ...outputs,
        organizationTrailArn: trail,
    };
}
