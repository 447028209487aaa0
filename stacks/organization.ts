/**
 * The organization's management account: the one switch only it can throw. Cross-account backup is
 * off for an organization until this stack runs, and every copy job into the backup account fails.
 */
import { CrossAccountBackup } from "../components/settings/crossAccountBackup";
import { OrganizationConfig } from "./config";
import { githubOutputs, githubRoles } from "./github";
import { awsProvider } from "./providers";

export function organizationStack(cfg: OrganizationConfig) {
    const provider = awsProvider(`management-${cfg.region}`, {
        accountId: cfg.accountId,
        region: cfg.region,
        deployRoleArn: cfg.deployRoleArn,
        tags: { environment: cfg.environment, ...cfg.tags },
    });
    const crossAccount = new CrossAccountBackup("cross-account-backup", {}, { provider });
    const github = githubRoles(cfg, [cfg.region], { provider }, { managesOrganization: true });
    return {
        ...githubOutputs(github),
        accountId: cfg.accountId,
        organizationId: cfg.organizationId,
        crossAccountBackupEnabled: crossAccount.settings.globalSettings.apply(
            (s) => s?.isCrossAccountBackupEnabled === "true",
        ),
    };
}
