/**
 * Every policy of the pack, by area. The pack (index.ts) and the offline run (offline/policyCheck.ts)
 * both take their policies from here, so they can never disagree about what is checked.
 */
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { backupCoveragePolicies } from "./backupCoverage";
import { backupRulePolicies } from "./backupRules";
import { backupServicePolicies } from "./backupService";
import { bucketPolicies } from "./buckets";
import { monitoringPolicies } from "./monitoring";
import { continuousProofPolicies } from "./continuousProof";
import { dynamodbPolicies } from "./dynamodb";
import { protectionPolicies } from "./protection";
import { secretEscrowPolicies } from "./secretEscrow";
import { secretPolicies } from "./secrets";
import { vaultPolicies } from "./vaults";

export const POLICY_PACK_NAME = "vat-backup-policies";

/** The level of a policy that states none; every policy here states its own. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

export const policyAreas: Record<string, Policies> = {
    dynamodb: dynamodbPolicies,
    backupCoverage: backupCoveragePolicies,
    vaults: vaultPolicies,
    backupRules: backupRulePolicies,
    backupService: backupServicePolicies,
    buckets: bucketPolicies,
    monitoring: monitoringPolicies,
    protection: protectionPolicies,
    secrets: secretPolicies,
    secretEscrow: secretEscrowPolicies,
    continuousProof: continuousProofPolicies,
};

export const allPolicies: Policies = Object.values(policyAreas).flat();
