import { PolicyPack } from "@pulumi/policy";
import { allPolicies, POLICY_PACK_NAME } from "./areas";

new PolicyPack(POLICY_PACK_NAME, {
    description: "Backup and DR guardrails: DynamoDB PITR, AWS Backup coverage, rules and vault locks, backup buckets, protection, secret replicas.",
    enforcementLevel: "advisory",
    policies: allPolicies,
});
