import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_ENFORCEMENT_LEVEL, POLICY_PACK_NAME } from "./areas";

new PolicyPack(POLICY_PACK_NAME, {
    description:
        "Backup and DR guardrails: DynamoDB PITR, AWS Backup coverage, rules and vault locks, backup buckets, protection, secret replicas.",
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
    policies: allPolicies,
});
