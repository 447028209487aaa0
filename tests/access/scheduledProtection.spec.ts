/**
 * The access matrix of the scheduled protection functions (stacks/automation.ts), asked of the
 * policies the prod plan produces and answered by the IAM policy simulator: each function may do
 * its one job and nothing beside it. Conditions on kms:EncryptionContext:* keys cannot be evaluated
 * by the simulator (tests/helpers/iamSimulator.ts), so the escrow key's sealing statement is not
 * asked here; the key policy's shape is checked in tests/stacks/automation.spec.ts. PutMetricData
 * has no resource (the simulator needs one), so the namespace condition is checked there too.
 */
import * as assert from "node:assert/strict";
import * as naming from "../../naming";
import { Registered, runStackOffline } from "../helpers/engine";
import {
    Decision,
    IdentityPolicy,
    PolicyDocument,
    Question,
    decide,
    identity,
    policyDocument,
} from "../helpers/iamSimulator";

const PROD = "111111111111";
const REGION = "eu-west-2";
const EXPORTS = naming.exportsBucketName("prod", PROD, REGION);
const SALT = "prod/submit/user-sub-hash-salt";
const SCRATCH_TAG = naming.ROUND_TRIP_SCRATCH_TAG;
const POOL = naming.arn("cognito-idp", REGION, PROD, "userpool/eu-west-2_AbC");
const IMPORT_LOGS_ROLE = naming.deploymentRoleName("prod", REGION, "cognito-import-logs");
const fn = (task: string) => naming.scheduledFunctionName("prod", task);
const roleArn = (name: string) => naming.iamRoleArn(PROD, name);
/** The IAM roles are named apart from the (regional) functions: `{env}-env-{purpose}-{region}`. */
const roles = (task: string) => naming.scheduledRoleNames("prod", REGION, task as naming.ScheduledTask);

interface Roles {
    inline: Record<string, IdentityPolicy>;
    trust: Record<string, PolicyDocument>;
    exportsBucket: PolicyDocument;
    exportsKeyArn: string;
}

interface Ask {
    title: string;
    expected: Decision | "Denied";
    ask: (r: Roles) => Question;
}

const as =
    (task: string, action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    (r: Roles): Question => ({
        principal: roleArn(roles(task).function),
        action,
        resource,
        resourceAccount: PROD,
        identityPolicies: [r.inline[fn(task)]],
        resourcePolicy: resource.startsWith("arn:aws:s3:::") ? r.exportsBucket : undefined,
        // Every writer names the exports key, as the bucket policy demands (StringNotEqualsIfExists).
        context:
            action === "s3:PutObject"
                ? {
                      "s3:x-amz-server-side-encryption": "aws:kms",
                      "s3:x-amz-server-side-encryption-aws-kms-key-id": r.exportsKeyArn,
                      ...context,
                  }
                : context,
    });

const QUESTIONS: Ask[] = [
    {
        title: "prod's escrow function may write an escrow under its account's prefix of the exports bucket",
        expected: "Allowed",
        ask: as(
            "secret-escrow",
            "s3:PutObject",
            `arn:aws:s3:::${EXPORTS}/secrets-escrow/${PROD}/${SALT}/20261129T013000Z.json`,
        ),
    },
    {
        title: "prod's escrow function may not write elsewhere in the exports bucket",
        expected: "Denied",
        ask: as("secret-escrow", "s3:PutObject", `arn:aws:s3:::${EXPORTS}/dynamodb-exports/x.json`),
    },
    {
        title: "prod's escrow function may not read escrows back",
        expected: "Denied",
        ask: as(
            "secret-escrow",
            "s3:GetObject",
            `arn:aws:s3:::${EXPORTS}/secrets-escrow/${PROD}/${SALT}/20261129T013000Z.json`,
        ),
    },
    {
        title: "prod's escrow function may read the salt's versions",
        expected: "Allowed",
        ask: as(
            "secret-escrow",
            "secretsmanager:GetSecretValue",
            `arn:aws:secretsmanager:${REGION}:${PROD}:secret:${SALT}-AbCdEf`,
        ),
    },
    {
        title: "prod's escrow function may not read a secret that is not critical",
        expected: "Denied",
        ask: as(
            "secret-escrow",
            "secretsmanager:GetSecretValue",
            `arn:aws:secretsmanager:${REGION}:${PROD}:secret:prod/submit/other-AbCdEf`,
        ),
    },
    {
        title: "prod's escrow function may not change a secret",
        expected: "Denied",
        ask: as(
            "secret-escrow",
            "secretsmanager:PutSecretValue",
            `arn:aws:secretsmanager:${REGION}:${PROD}:secret:${SALT}-AbCdEf`,
        ),
    },
    {
        title: "prod's escrow function may not decrypt with the backup account's escrow key",
        expected: "Denied",
        ask: as(
            "secret-escrow",
            "kms:Decrypt",
            "arn:aws:kms:eu-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    },
    {
        title: "prod's table-export function may export the critical table",
        expected: "Allowed",
        ask: as(
            "table-export",
            "dynamodb:ExportTableToPointInTime",
            naming.arn("dynamodb", REGION, PROD, "table/prod-env-receipts"),
        ),
    },
    {
        title: "prod's table-export function may not export a table it is not configured for",
        expected: "Denied",
        ask: as(
            "table-export",
            "dynamodb:ExportTableToPointInTime",
            naming.arn("dynamodb", REGION, PROD, "table/prod-env-hmrc-api-requests"),
        ),
    },
    {
        title: "prod's table-export function may not scan a customer table",
        expected: "Denied",
        ask: as("table-export", "dynamodb:Scan", naming.arn("dynamodb", REGION, PROD, "table/prod-env-receipts")),
    },
    {
        title: "prod's table-export function may write exports under dynamodb-exports/",
        expected: "Allowed",
        ask: as(
            "table-export",
            "s3:PutObject",
            `arn:aws:s3:::${EXPORTS}/dynamodb-exports/prod-env-receipts/full/x/data.json.gz`,
        ),
    },
    {
        title: "prod's user-pool export function may list the pool's users",
        expected: "Allowed",
        ask: as(
            "user-pool-export",
            "cognito-idp:ListUsers",
            naming.arn("cognito-idp", REGION, PROD, "userpool/eu-west-2_AbC"),
        ),
    },
    {
        title: "prod's user-pool export function may not delete a user",
        expected: "Denied",
        ask: as(
            "user-pool-export",
            "cognito-idp:AdminDeleteUser",
            naming.arn("cognito-idp", REGION, PROD, "userpool/eu-west-2_AbC"),
        ),
    },
    // The user-pool round trip (issue 17): scratch pools only, by tag (IAM Service Authorization
    // Reference, Amazon Cognito User Pools: CreateUserPool takes aws:RequestTag and aws:TagKeys, the
    // userpool resource aws:ResourceTag).
    {
        title: "prod's round trip may create a user pool carrying the scratch tag",
        expected: "Allowed",
        ask: as("users-round-trip", "cognito-idp:CreateUserPool", "*", {
            [`aws:RequestTag/${SCRATCH_TAG.key}`]: SCRATCH_TAG.value,
            "aws:TagKeys": [SCRATCH_TAG.key],
        }),
    },
    {
        title: "prod's round trip may not create an untagged user pool",
        expected: "Denied",
        ask: as("users-round-trip", "cognito-idp:CreateUserPool", "*"),
    },
    {
        title: "prod's round trip may not create a scratch-tagged pool carrying another tag too",
        expected: "Denied",
        ask: as("users-round-trip", "cognito-idp:CreateUserPool", "*", {
            [`aws:RequestTag/${SCRATCH_TAG.key}`]: SCRATCH_TAG.value,
            "aws:TagKeys": [SCRATCH_TAG.key, "owner"],
        }),
    },
    {
        title: "prod's round trip may start an import job in a scratch pool",
        expected: "Allowed",
        ask: as("users-round-trip", "cognito-idp:CreateUserImportJob", POOL, {
            [`aws:ResourceTag/${SCRATCH_TAG.key}`]: SCRATCH_TAG.value,
        }),
    },
    {
        title: "prod's round trip may delete a scratch pool",
        expected: "Allowed",
        ask: as("users-round-trip", "cognito-idp:DeleteUserPool", POOL, {
            [`aws:ResourceTag/${SCRATCH_TAG.key}`]: SCRATCH_TAG.value,
        }),
    },
    {
        title: "prod's round trip may not delete the production pool (no scratch tag)",
        expected: "Denied",
        ask: as("users-round-trip", "cognito-idp:DeleteUserPool", POOL, { "aws:ResourceTag/environment": "prod" }),
    },
    {
        title: "prod's round trip may not import users into the production pool",
        expected: "Denied",
        ask: as("users-round-trip", "cognito-idp:CreateUserImportJob", POOL),
    },
    {
        title: "prod's round trip may not create users one by one in any pool",
        expected: "Denied",
        ask: as("users-round-trip", "cognito-idp:AdminCreateUser", POOL, {
            [`aws:ResourceTag/${SCRATCH_TAG.key}`]: SCRATCH_TAG.value,
        }),
    },
    {
        title: "prod's round trip may pass the import logs role to Cognito",
        expected: "Allowed",
        ask: as("users-round-trip", "iam:PassRole", roleArn(IMPORT_LOGS_ROLE), {
            "iam:PassedToService": "cognito-idp.amazonaws.com",
        }),
    },
    {
        title: "prod's round trip may not pass the import logs role to another service",
        expected: "Denied",
        ask: as("users-round-trip", "iam:PassRole", roleArn(IMPORT_LOGS_ROLE), {
            "iam:PassedToService": "lambda.amazonaws.com",
        }),
    },
    {
        title: "prod's round trip may read the user-pool exports",
        expected: "Allowed",
        ask: as(
            "users-round-trip",
            "s3:GetObject",
            `arn:aws:s3:::${EXPORTS}/cognito-exports/eu-west-2_AbC/x/users.json`,
        ),
    },
    {
        title: "prod's round trip may not read the secret escrows",
        expected: "Denied",
        ask: as("users-round-trip", "s3:GetObject", `arn:aws:s3:::${EXPORTS}/secrets-escrow/${PROD}/${SALT}/x.json`),
    },
    {
        title: "Cognito may assume the import logs role for prod's account",
        expected: "Allowed",
        ask: (r) => ({
            principal: "cognito-idp.amazonaws.com",
            action: "sts:AssumeRole",
            resource: roleArn(IMPORT_LOGS_ROLE),
            resourceAccount: PROD,
            resourcePolicy: r.trust[IMPORT_LOGS_ROLE],
            context: { "aws:SourceAccount": PROD },
        }),
    },
    {
        title: "Cognito may not assume the import logs role for another account",
        expected: "Denied",
        ask: (r) => ({
            principal: "cognito-idp.amazonaws.com",
            action: "sts:AssumeRole",
            resource: roleArn(IMPORT_LOGS_ROLE),
            resourceAccount: PROD,
            resourcePolicy: r.trust[IMPORT_LOGS_ROLE],
            context: { "aws:SourceAccount": "999999999999" },
        }),
    },
    // The evidence pack (issue 17): reads AWS Backup's job lists and its stack's drift summaries, writes its own prefix.
    {
        title: "prod's evidence pack may write its month's evidence under evidence-packs/<account>/",
        expected: "Allowed",
        ask: as("evidence-pack", "s3:PutObject", `arn:aws:s3:::${EXPORTS}/evidence-packs/${PROD}/2026-11/evidence.md`),
    },
    {
        title: "prod's evidence pack may not write elsewhere in the exports bucket",
        expected: "Denied",
        ask: as("evidence-pack", "s3:PutObject", `arn:aws:s3:::${EXPORTS}/drift-reports/prod/forged.json`),
    },
    {
        title: "prod's evidence pack may read prod's drift summaries",
        expected: "Allowed",
        ask: as("evidence-pack", "s3:GetObject", `arn:aws:s3:::${EXPORTS}/drift-reports/prod/20261107T060000Z.json`),
    },
    {
        title: "prod's evidence pack may not read the secret escrows",
        expected: "Denied",
        ask: as("evidence-pack", "s3:GetObject", `arn:aws:s3:::${EXPORTS}/secrets-escrow/${PROD}/${SALT}/x.json`),
    },
    {
        title: "prod's evidence pack may list the period's restore jobs",
        expected: "Allowed",
        ask: as("evidence-pack", "backup:ListRestoreJobs", "*"),
    },
    {
        title: "prod's evidence pack may not start a restore",
        expected: "Denied",
        ask: as("evidence-pack", "backup:StartRestoreJob", naming.arn("backup", REGION, PROD, "recovery-point:abc")),
    },
    {
        title: "prod's evidence pack may not delete a recovery point",
        expected: "Denied",
        ask: as(
            "evidence-pack",
            "backup:DeleteRecoveryPoint",
            naming.arn("backup", REGION, PROD, "recovery-point:abc"),
        ),
    },
    {
        title: "the escrow schedule's role may invoke the escrow function",
        expected: "Allowed",
        ask: (r) => ({
            principal: roleArn(roles("secret-escrow").scheduler),
            action: "lambda:InvokeFunction",
            resource: naming.arn("lambda", REGION, PROD, `function:${fn("secret-escrow")}`),
            resourceAccount: PROD,
            identityPolicies: [r.inline[`${fn("secret-escrow")}-scheduler`]],
        }),
    },
    {
        title: "the escrow schedule's role may not invoke another function",
        expected: "Denied",
        ask: (r) => ({
            principal: roleArn(roles("secret-escrow").scheduler),
            action: "lambda:InvokeFunction",
            resource: naming.arn("lambda", REGION, PROD, `function:${fn("table-export")}`),
            resourceAccount: PROD,
            identityPolicies: [r.inline[`${fn("secret-escrow")}-scheduler`]],
        }),
    },
    {
        title: "EventBridge Scheduler may assume the escrow schedule's role for prod",
        expected: "Allowed",
        ask: (r) => ({
            principal: "scheduler.amazonaws.com",
            action: "sts:AssumeRole",
            resource: roleArn(roles("secret-escrow").scheduler),
            resourceAccount: PROD,
            resourcePolicy: r.trust[`${fn("secret-escrow")}-scheduler`],
            context: { "aws:SourceAccount": PROD },
        }),
    },
    {
        title: "EventBridge Scheduler may not assume the escrow function's own role",
        expected: "Denied",
        ask: (r) => ({
            principal: "scheduler.amazonaws.com",
            action: "sts:AssumeRole",
            resource: roleArn(roles("secret-escrow").function),
            resourceAccount: PROD,
            resourcePolicy: r.trust[fn("secret-escrow")],
            context: { "aws:SourceAccount": PROD },
        }),
    },
];

describe("access matrix: the scheduled escrow and export functions (IAM simulator over the prod plan)", () => {
    let roles: Roles;
    before(async () => {
        const prod = new Registered(await runStackOffline("prod"));
        const inline: Roles["inline"] = {};
        const trust: Roles["trust"] = {};
        for (const task of ["secret-escrow", "table-export", "user-pool-export", "users-round-trip", "evidence-pack"]) {
            for (const [suffix, logical] of [
                ["", `${task}-policy`],
                ["-scheduler", `${task}-scheduler-policy`],
            ]) {
                const name = `${fn(task)}${suffix}`;
                inline[name] = identity(name, policyDocument(prod.one("aws:iam/rolePolicy:RolePolicy", logical)));
            }
            trust[fn(task)] = policyDocument(prod.one("aws:iam/role:Role", `${task}-role`), "assumeRolePolicy");
            trust[`${fn(task)}-scheduler`] = policyDocument(
                prod.one("aws:iam/role:Role", `${task}-scheduler-role`),
                "assumeRolePolicy",
            );
        }
        trust[IMPORT_LOGS_ROLE] = policyDocument(
            prod.one("aws:iam/role:Role", "users-round-trip-import-logs-role"),
            "assumeRolePolicy",
        );
        roles = {
            inline,
            trust,
            exportsBucket: policyDocument(prod.one("aws:s3/bucketPolicy:BucketPolicy", "exports-policy")),
            exportsKeyArn: String(prod.one("aws:kms/key:Key", "backup-key-key").outputs.arn),
        };
    });

    for (const q of QUESTIONS) {
        it(`${q.title} (${q.expected === "Allowed" ? "yes" : "no"})`, async () => {
            const actual = await decide(q.ask(roles));
            assert.ok(
                q.expected === "Denied" ? actual !== "Allowed" : actual === q.expected,
                `expected ${q.expected}, simulator says ${actual}`,
            );
        });
    }
});
