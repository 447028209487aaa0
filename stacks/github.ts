/**
 * The GitHub Actions roles of a stack's account, from its `github` config block; none without it.
 * Every stack program calls this once with the regions it manages.
 */
import * as pulumi from "@pulumi/pulumi";
import { DeployRole } from "../components/github/deployRole";
import { GithubConfig } from "./config";

export interface GithubRolesConfig {
    accountId: string;
    environment: string;
    github?: GithubConfig;
}

export interface GithubRolesOptions {
    /** The management account's stack manages AWS Organizations. */
    managesOrganization?: boolean;
    /** Accounts whose checks roles chain into this one (the backup stack passes its deployment accounts). */
    checksTrustedAccountIds?: string[];
}

export function githubRoles(
    cfg: GithubRolesConfig,
    regions: string[],
    opts: pulumi.ComponentResourceOptions,
    extra: GithubRolesOptions = {},
): DeployRole | undefined {
    const gh = cfg.github;
    if (!gh) return undefined;
    return new DeployRole(
        "github",
        {
            repository: gh.repository,
            environment: gh.environment ?? cfg.environment,
            accountId: cfg.accountId,
            regions: [...new Set(regions)],
            existingOidcProviderArn: gh.existingOidcProviderArn,
            managesOrganization: extra.managesOrganization ?? false,
            stateBackend: gh.stateBucket ? { bucketName: gh.stateBucket, kmsKeyArn: gh.secretsKeyArn } : undefined,
            checksBranch: gh.checksBranch,
            checksTrustedAccountIds: [
                ...new Set([...gh.checksTrustedAccountIds, ...(extra.checksTrustedAccountIds ?? [])]),
            ],
        },
        opts,
    );
}

/** Stack outputs the workflows' setup reads: the role ARNs to put in repository variables. */
export function githubOutputs(roles: DeployRole | undefined): Record<string, pulumi.Output<string>> {
    if (!roles) return {};
    return {
        githubDeployRoleArn: roles.deployRole.arn,
        githubPreviewRoleArn: roles.previewRole.arn,
        githubChecksRoleArn: roles.checksRole.arn,
    };
}
