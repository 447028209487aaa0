import { criticalSecretsEscrowed, LAMBDA_FUNCTION, SCHEDULE } from "../../policies/secretEscrow";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    runPolicy,
    stackArgs,
    unknown,
} from "../helpers/policyHarness";

const SALT = "prod/submit/user-sub-hash-salt";
const HMRC = "prod/submit/hmrc/client_secret";
const FN_ARN = "arn:aws:lambda:eu-west-2:111111111111:function:prod-env-secret-escrow";

const escrowFunction = (secrets: string[], arn = FN_ARN): FakeResource => ({
    type: LAMBDA_FUNCTION,
    name: "secret-escrow-function",
    props: {
        arn,
        runtime: "nodejs22.x",
        environment: {
            variables: { ESCROW_SECRETS: JSON.stringify(secrets.map((name) => ({ name, versions: "all" }))) },
        },
    },
});
const schedule = (targetArn = FN_ARN, state = "ENABLED"): FakeResource => ({
    type: SCHEDULE,
    name: "secret-escrow-daily",
    props: { scheduleExpression: "cron(30 1 * * ? *)", state, target: { arn: targetArn, input: "{}" } },
});
const critical = { config: { criticalSecrets: [SALT, HMRC] } };
const saltOnly = { config: { criticalSecrets: [SALT] } };

describe("policies/secretEscrow: critical-secrets-escrowed", () => {
    it("passes when an enabled schedule invokes a function escrowing every critical secret", () => {
        assertCompliant(
            runPolicy(criticalSecretsEscrowed, stackArgs([escrowFunction([SALT, HMRC]), schedule()], critical)),
        );
    });
    it("flags a critical secret the escrow function does not list", () => {
        assertViolation(
            runPolicy(criticalSecretsEscrowed, stackArgs([escrowFunction([SALT]), schedule()], critical)),
            `Critical secret '${HMRC}' has no scheduled escrow`,
        );
    });
    it("flags an escrow function that nothing schedules (an on-change rule alone misses a lost event)", () => {
        assertViolation(
            runPolicy(criticalSecretsEscrowed, stackArgs([escrowFunction([SALT, HMRC])], saltOnly)),
            `Critical secret '${SALT}' has no scheduled escrow`,
        );
    });
    it("flags a disabled schedule", () => {
        assertViolation(
            runPolicy(
                criticalSecretsEscrowed,
                stackArgs([escrowFunction([SALT, HMRC]), schedule(FN_ARN, "DISABLED")], saltOnly),
            ),
            `Critical secret '${SALT}' has no scheduled escrow`,
        );
    });
    it("flags a schedule that targets another function", () => {
        assertViolation(
            runPolicy(
                criticalSecretsEscrowed,
                stackArgs([escrowFunction([SALT, HMRC]), schedule(`${FN_ARN}-other`)], saltOnly),
            ),
            `Critical secret '${SALT}' has no scheduled escrow`,
        );
    });
    it("flags a function whose ESCROW_SECRETS is not a JSON list", () => {
        const broken = escrowFunction([]);
        (broken.props.environment as { variables: Record<string, string> }).variables.ESCROW_SECRETS = "salt";
        assertViolation(
            runPolicy(criticalSecretsEscrowed, stackArgs([broken, schedule()], saltOnly)),
            `Critical secret '${SALT}' has no scheduled escrow`,
        );
    });
    it("during preview, follows a schedule whose target ARN is unknown to its function through the engine's dependencies", () => {
        const previewed = (secrets: string[], dependsOnFunction: boolean) => [
            escrowFunction(secrets, unknown.string),
            {
                ...schedule(unknown.string),
                propertyDependencies: { target: dependsOnFunction ? ["secret-escrow-function"] : [] },
            },
        ];
        assertCompliant(runPolicy(criticalSecretsEscrowed, stackArgs(previewed([SALT, HMRC], true), critical)));
        assertViolation(
            runPolicy(criticalSecretsEscrowed, stackArgs(previewed([SALT], true), critical)),
            `Critical secret '${HMRC}' has no scheduled escrow`,
        );
        assertViolation(
            runPolicy(criticalSecretsEscrowed, stackArgs(previewed([SALT, HMRC], false), saltOnly)),
            `Critical secret '${SALT}' has no scheduled escrow`,
        );
    });
    it("during preview, does not judge a scheduled function whose ESCROW_SECRETS is unknown", () => {
        const fn = escrowFunction([]);
        (fn.props.environment as { variables: Record<string, string> }).variables.ESCROW_SECRETS = unknown.string;
        assertCompliant(runPolicy(criticalSecretsEscrowed, stackArgs([fn, schedule()], critical)));
    });
    it("is not applicable without critical secrets in its config", () => {
        assertNotApplicable(runPolicy(criticalSecretsEscrowed, stackArgs([])));
    });
});
