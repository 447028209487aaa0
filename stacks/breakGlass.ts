/**
 * Changing the backup account's list of deployment accounts, in two steps.
 *
 * The vault access policies deny `backup:PutBackupVaultAccessPolicy` to everyone but the break-glass
 * role (nobody else may re-police the central and DR vaults), while the same change rewrites key,
 * bucket, bus and restore-testing policies that the break-glass role has no business touching. So:
 *
 * 1. The break-glass role applies only the vault access policies:
 *    `pulumi up --stack backup --target <URN>...` with the URNs below (its policy allows exactly
 *    PutBackupVaultAccessPolicy and the read-back, GetBackupVaultAccessPolicy).
 * 2. The deploy role runs the ordinary `pulumi up`: the vault policies already match, so it never
 *    calls the action it is denied, and it updates everything else.
 *
 * tests/access/breakGlassProcedure.spec.ts proves both steps with the IAM simulator.
 */
import { PROJECT } from "../naming";

/** The resources (logical names, in the backup stack) that only the break-glass role may update. */
export const BREAK_GLASS_RESOURCES = [
    {
        type: "aws:backup/vaultPolicy:VaultPolicy",
        parentType: "backup:vault:BackupVault",
        name: "central-vault-policy",
    },
    { type: "aws:backup/vaultPolicy:VaultPolicy", parentType: "backup:vault:BackupVault", name: "dr-vault-policy" },
    // The air-gapped vault's policy names the deployment accounts and carries the same deny
    // (stacks/backup.ts, airGappedVault.enabled, on by default).
    {
        type: "aws:backup/vaultPolicy:VaultPolicy",
        parentType: "backup:vault:AirGappedVault",
        name: "air-gapped-vault-policy",
    },
] as const;

/** The URNs step 1 targets: children of the vault components, as `pulumi stack --show-urns` prints them. */
export function breakGlassTargets(stack: string, project = PROJECT): string[] {
    return BREAK_GLASS_RESOURCES.map((r) => `urn:pulumi:${stack}::${project}::${r.parentType}$${r.type}::${r.name}`);
}

/** The command a person with the break-glass role's credentials runs first. */
export function breakGlassCommand(stack: string, project = PROJECT): string {
    return ["pulumi up", `--stack ${stack}`, ...breakGlassTargets(stack, project).map((u) => `--target '${u}'`)].join(
        " ",
    );
}
