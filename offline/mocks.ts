/**
 * The in-process stand-in for the Pulumi engine and the AWS provider.
 *
 * It computes what AWS would return for each resource type the program uses: physical names where
 * the provider would auto-name, ids, and ARNs in the account and region of the resource's own
 * provider. It answers the invokes the program makes from the stack config. Values are
 * deterministic (derived from type and name), so a plan is stable from run to run.
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { unknown as pulumiUnknown } from "@pulumi/pulumi/output";
import { backupStackOutputs, PROJECT } from "../naming";
import { parseStackConfig, projectKeys, readStackFile } from "../stacks/config";

type Props = Record<string, unknown>;

interface Placement {
    accountId: string;
    region: string;
}

interface ComputeContext extends Placement {
    /** Logical name given in the program. */
    name: string;
    inputs: Props;
    /** Deterministic hex derived from type and name, for ids and auto-name suffixes. */
    hex: (length: number) => string;
}

type Compute = (ctx: ComputeContext) => Props;

const arn = (service: string, c: Placement, resource: string) =>
    `arn:aws:${service}:${c.region}:${c.accountId}:${resource}`;
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The input property the provider fills with a generated physical name when the program gives none. */
export const AUTO_NAME_PROPERTY: Record<string, string> = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:sns/topic:Topic": "name",
    "aws:sqs/queue:Queue": "name",
    "aws:backup/vault:Vault": "name",
    "aws:backup/plan:Plan": "name",
    "aws:lambda/function:Function": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:cloudwatch/eventRule:EventRule": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:cfg/rule:Rule": "name",
};

/** Outputs per resource type, beyond the inputs, which the provider echoes back. */
const COMPUTED: Record<string, Compute> = {
    "pulumi:providers:aws": () => ({}),
    "aws:kms/key:Key": (c) => {
        const keyId = `${c.hex(8)}-${c.hex(4)}-4${c.hex(3)}-8${c.hex(3)}-${c.hex(12)}`;
        return { id: keyId, keyId, arn: arn("kms", c, `key/${keyId}`) };
    },
    "aws:kms/alias:Alias": (c) => ({
        id: str(c.inputs.name),
        arn: arn("kms", c, str(c.inputs.name)),
        targetKeyArn: arn("kms", c, `key/${str(c.inputs.targetKeyId)}`),
    }),
    "aws:kms/replicaKey:ReplicaKey": (c) => {
        const keyId = `mrk-${c.hex(32)}`;
        return { id: keyId, keyId, arn: arn("kms", c, `key/${keyId}`) };
    },
    "aws:backup/vault:Vault": (c) => ({
        id: str(c.inputs.name),
        arn: arn("backup", c, `backup-vault:${str(c.inputs.name)}`),
        recoveryPoints: 0,
    }),
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": (c) => ({
        id: str(c.inputs.name),
        arn: arn("backup", c, `backup-vault:${str(c.inputs.name)}`),
    }),
    "aws:backup/vaultPolicy:VaultPolicy": (c) => ({
        id: str(c.inputs.backupVaultName),
        backupVaultArn: arn("backup", c, `backup-vault:${str(c.inputs.backupVaultName)}`),
    }),
    "aws:backup/vaultNotifications:VaultNotifications": (c) => ({
        id: str(c.inputs.backupVaultName),
        backupVaultArn: arn("backup", c, `backup-vault:${str(c.inputs.backupVaultName)}`),
    }),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": (c) => ({
        id: str(c.inputs.backupVaultName),
        backupVaultArn: arn("backup", c, `backup-vault:${str(c.inputs.backupVaultName)}`),
    }),
    "aws:backup/plan:Plan": (c) => {
        const id = `${c.hex(8)}-${c.hex(4)}-4${c.hex(3)}-9${c.hex(3)}-${c.hex(12)}`;
        return { id, arn: arn("backup", c, `backup-plan:${id}`), version: c.hex(48) };
    },
    "aws:backup/selection:Selection": (c) => ({ id: `${c.hex(8)}-${c.hex(4)}-4${c.hex(3)}-a${c.hex(3)}-${c.hex(12)}` }),
    "aws:backup/regionSettings:RegionSettings": (c) => ({ id: c.region }),
    "aws:backup/globalSettings:GlobalSettings": (c) => ({ id: c.accountId }),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": (c) => ({
        id: str(c.inputs.name),
        arn: arn("backup", c, `restore-testing-plan:${str(c.inputs.name)}-${c.hex(6)}`),
    }),
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": (c) => ({
        id: `${str(c.inputs.restoreTestingPlanName)}:${str(c.inputs.name)}`,
    }),
    "aws:backup/framework:Framework": (c) => ({
        id: str(c.inputs.name),
        arn: arn("backup", c, `framework:${str(c.inputs.name)}-${c.hex(36)}`),
        deploymentStatus: "COMPLETED",
        status: "ACTIVE",
    }),
    "aws:backup/reportPlan:ReportPlan": (c) => ({
        id: str(c.inputs.name),
        arn: arn("backup", c, `report-plan:${str(c.inputs.name)}-${c.hex(36)}`),
        deploymentStatus: "COMPLETED",
    }),
    "aws:sns/topic:Topic": (c) => ({
        id: arn("sns", c, str(c.inputs.name)),
        arn: arn("sns", c, str(c.inputs.name)),
        owner: c.accountId,
    }),
    "aws:sns/topicPolicy:TopicPolicy": (c) => ({ id: str(c.inputs.arn), owner: c.accountId }),
    "aws:sns/topicSubscription:TopicSubscription": (c) => {
        const subArn = `${str(c.inputs.topic)}:${c.hex(8)}-${c.hex(4)}-${c.hex(4)}-${c.hex(4)}-${c.hex(12)}`;
        return { id: subArn, arn: subArn, ownerId: c.accountId, pendingConfirmation: c.inputs.protocol === "email" };
    },
    "aws:sqs/queue:Queue": (c) => ({
        id: `https://sqs.${c.region}.amazonaws.com/${c.accountId}/${str(c.inputs.name)}`,
        url: `https://sqs.${c.region}.amazonaws.com/${c.accountId}/${str(c.inputs.name)}`,
        arn: arn("sqs", c, str(c.inputs.name)),
    }),
    "aws:sqs/queuePolicy:QueuePolicy": (c) => ({ id: str(c.inputs.queueUrl) }),
    "aws:iam/role:Role": (c) => ({
        id: str(c.inputs.name),
        arn: `arn:aws:iam::${c.accountId}:role${str(c.inputs.path) || "/"}${str(c.inputs.name)}`,
        uniqueId: `AROA${c.hex(17).toUpperCase()}`,
        createDate: "2026-01-01T00:00:00Z",
    }),
    "aws:iam/policy:Policy": (c) => ({
        id: `arn:aws:iam::${c.accountId}:policy/${str(c.inputs.name)}`,
        arn: `arn:aws:iam::${c.accountId}:policy/${str(c.inputs.name)}`,
        policyId: `ANPA${c.hex(17).toUpperCase()}`,
    }),
    "aws:iam/rolePolicy:RolePolicy": (c) => ({ id: `${str(c.inputs.role)}:${str(c.inputs.name) || c.name}` }),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (c) => ({ id: `${str(c.inputs.role)}-${c.hex(8)}` }),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (c) => {
        const host = str(c.inputs.url).replace(/^https:\/\//, "");
        return {
            id: `arn:aws:iam::${c.accountId}:oidc-provider/${host}`,
            arn: `arn:aws:iam::${c.accountId}:oidc-provider/${host}`,
        };
    },
    "aws:s3/bucket:Bucket": (c) => {
        const bucket = str(c.inputs.bucket);
        return {
            id: bucket,
            arn: `arn:aws:s3:::${bucket}`,
            bucketDomainName: `${bucket}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${bucket}.s3.${c.region}.amazonaws.com`,
            hostedZoneId: "Z3GKZC51ZF0DB4",
            region: c.region,
        };
    },
    "aws:lambda/function:Function": (c) => {
        const fnArn = arn("lambda", c, `function:${str(c.inputs.name)}`);
        return {
            id: str(c.inputs.name),
            arn: fnArn,
            qualifiedArn: `${fnArn}:$LATEST`,
            invokeArn: `arn:aws:apigateway:${c.region}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
            version: "$LATEST",
            sourceCodeHash: c.hex(44),
        };
    },
    "aws:lambda/permission:Permission": (c) => ({ id: str(c.inputs.statementId) || c.name }),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (c) => ({ id: str(c.inputs.functionName) }),
    "aws:cloudwatch/logGroup:LogGroup": (c) => ({
        id: str(c.inputs.name),
        arn: arn("logs", c, `log-group:${str(c.inputs.name)}`),
    }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (c) => ({
        id: str(c.inputs.name),
        arn: arn("cloudwatch", c, `alarm:${str(c.inputs.name)}`),
    }),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (c) => ({
        id: str(c.inputs.alarmName),
        arn: arn("cloudwatch", c, `alarm:${str(c.inputs.alarmName)}`),
    }),
    "aws:cloudwatch/dashboard:Dashboard": (c) => ({
        id: str(c.inputs.dashboardName),
        dashboardArn: `arn:aws:cloudwatch::${c.accountId}:dashboard/${str(c.inputs.dashboardName)}`,
    }),
    "aws:cloudwatch/eventRule:EventRule": (c) => ({
        id: str(c.inputs.name),
        arn: arn("events", c, `rule/${str(c.inputs.name)}`),
    }),
    "aws:cloudwatch/eventTarget:EventTarget": (c) => ({
        id: `${str(c.inputs.rule)}-${str(c.inputs.targetId) || c.hex(8)}`,
    }),
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": (c) => ({ id: str(c.inputs.eventBusName) || "default" }),
    "aws:cfg/rule:Rule": (c) => ({
        id: str(c.inputs.name),
        arn: arn("config", c, `config-rule/config-rule-${c.hex(6)}`),
        ruleId: `config-rule-${c.hex(6)}`,
    }),
    "aws:cfg/recorder:Recorder": (c) => ({ id: str(c.inputs.name) || "default" }),
    "aws:cfg/deliveryChannel:DeliveryChannel": (c) => ({ id: str(c.inputs.name) || "default" }),
    "aws:cfg/recorderStatus:RecorderStatus": (c) => ({ id: str(c.inputs.name) || "default" }),
    "aws:organizations/policy:Policy": (c) => {
        const id = `p-${c.hex(8)}`;
        return {
            id,
            arn: `arn:aws:organizations::${c.accountId}:policy/o-exampleorg1/${str(c.inputs.type).toLowerCase()}/${id}`,
        };
    },
    "aws:organizations/policyAttachment:PolicyAttachment": (c) => ({
        id: `${str(c.inputs.targetId)}:${str(c.inputs.policyId)}`,
    }),
    "aws:organizations/delegatedAdministrator:DelegatedAdministrator": (c) => ({
        id: `${str(c.inputs.accountId)}/${str(c.inputs.servicePrincipal)}`,
    }),
    "aws:organizations/awsServiceAccess:AwsServiceAccess": (c) => ({ id: str(c.inputs.servicePrincipal) }),
    "aws:cloudformation/stackSet:StackSet": (c) => ({
        id: str(c.inputs.name),
        arn: arn("cloudformation", c, `stackset/${str(c.inputs.name)}:${c.hex(8)}-${c.hex(4)}`),
        stackSetId: `${str(c.inputs.name)}:${c.hex(8)}-${c.hex(4)}`,
    }),
    "aws:cloudformation/stackSetInstance:StackSetInstance": (c) => ({
        id: `${str(c.inputs.stackSetName)},${str(c.inputs.stackSetInstanceRegion) || c.region}`,
    }),
    "aws:cloudtrail/trail:Trail": (c) => ({
        id: str(c.inputs.name),
        arn: arn("cloudtrail", c, `trail/${str(c.inputs.name)}`),
        homeRegion: c.region,
    }),
    "aws:ram/resourceShare:ResourceShare": (c) => {
        const id = arn("ram", c, `resource-share/${c.hex(8)}-${c.hex(4)}-4${c.hex(3)}-8${c.hex(3)}-${c.hex(12)}`);
        return { id, arn: id };
    },
    "aws:ram/resourceAssociation:ResourceAssociation": (c) => ({
        id: `${str(c.inputs.resourceShareArn)},${str(c.inputs.resourceArn)}`,
    }),
    "aws:ram/principalAssociation:PrincipalAssociation": (c) => ({
        id: `${str(c.inputs.resourceShareArn)},${str(c.inputs.principal)}`,
    }),
    "aws:secretsmanager/secret:Secret": (c) => ({
        id: arn("secretsmanager", c, `secret:${str(c.inputs.name)}-${c.hex(6)}`),
        arn: arn("secretsmanager", c, `secret:${str(c.inputs.name)}-${c.hex(6)}`),
    }),
};

/** Types of resources registered on a bucket: their id is the bucket name. */
const BUCKET_SUB_RESOURCES = [
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketNotification:BucketNotification",
];
for (const type of BUCKET_SUB_RESOURCES) COMPUTED[type] = (c) => ({ id: str(c.inputs.bucket) });

/** Resource types this engine knows; the plan reports any other type, since its outputs would be guesses. */
export function isKnownType(type: string): boolean {
    return type in COMPUTED || type === "pulumi-nodejs:dynamic:Resource" || !type.startsWith("aws:");
}

/** Parses `urn::id` provider references into the provider's logical name. */
function providerName(ref: string | undefined): string | undefined {
    if (!ref) return undefined;
    const urn = ref.split("::").slice(0, 4).join("::");
    return urn.split("::")[3];
}

export interface EstateMocksOptions {
    /** Account and region of resources without an explicit provider (the default provider). */
    defaultPlacement: Placement;
    /** Where the checked-in `Pulumi.<stack>.yaml` files are, for StackReferences to other stacks. */
    projectDir?: string;
    /**
     * Answer as during `pulumi preview`: the provider's Check has run (auto-names are filled in),
     * but nothing exists yet, so the id and every output the provider computes are unknown.
     */
    preview?: boolean;
    /**
     * Packages named in `pulumi:disable-default-providers` (pulumi/pulumi#8829): a resource or
     * invoke of such a package without an explicit provider fails, as the engine fails it.
     */
    disabledDefaultProviders?: string[];
}

export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/**
 * The outputs a referenced stack would have, from its checked-in config: only the backup stack is
 * ever referenced, and its outputs follow naming's contract. `name` is as StackReference takes it
 * (`stack`, `org/stack` or `org/project/stack`); the checked-in file is `Pulumi.<stack>.yaml`.
 */
export function referencedStackOutputs(name: string, projectDir: string | undefined): Props {
    const parts = name.split("/");
    const stack = parts[parts.length - 1];
    if (parts.length === 3 && parts[1] !== PROJECT) {
        throw new Error(
            `StackReference '${name}': the offline engine only knows stacks of project '${PROJECT}', not '${parts[1]}'`,
        );
    }
    if (!projectDir)
        throw new Error(
            `StackReference '${name}': this offline run has no project directory to find Pulumi.${stack}.yaml in`,
        );
    let raw: Record<string, unknown>;
    try {
        raw = projectKeys(readStackFile(stack, projectDir));
    } catch (err) {
        throw new Error(`StackReference '${name}' names no checked-in stack: ${(err as Error).message}`);
    }
    const cfg = parseStackConfig(raw, stack);
    if (cfg.role !== "backup") {
        throw new Error(
            `StackReference '${name}': stack '${stack}' has role '${cfg.role}', but only the backup stack's outputs are read by other stacks`,
        );
    }
    return backupStackOutputs(cfg.accountId, cfg.region, cfg.drRegion, cfg.centralVault.name);
}

export class EstateMocks implements pulumi.runtime.Mocks {
    private readonly providers = new Map<string, Placement>();
    readonly unknownTypes = new Set<string>();

    constructor(private readonly options: EstateMocksOptions) {}

    private placement(provider: string | undefined): Placement {
        const name = providerName(provider);
        return (name && this.providers.get(name)) || this.options.defaultPlacement;
    }

    /** Registrations the engine refused; the run fails with the first, as the real update would. */
    readonly refusals: Error[] = [];

    /** The engine's refusal of a default provider the stack disabled. */
    private checkDefaultProvider(token: string, provider: string | undefined): void {
        if (provider) return;
        const pkg = token.split(":")[0];
        const disabled = this.options.disabledDefaultProviders ?? [];
        if (pkg && pkg !== "pulumi" && (disabled.includes(pkg) || disabled.includes("*"))) {
            const refusal = new Error(
                `Default provider for '${pkg}' disabled. '${token}' must use an explicit provider (pulumi:disable-default-providers).`,
            );
            this.refusals.push(refusal);
            throw refusal;
        }
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Props } {
        if (args.custom !== false && !args.type.startsWith("pulumi:"))
            this.checkDefaultProvider(args.type, args.provider);
        const inputs: Props = { ...(args.inputs as Props) };
        // A deterministic stream of hex digits per resource, so ids and suffixes are stable between runs.
        let counter = 0;
        const hex = (length: number) => {
            let out = "";
            while (out.length < length)
                out += createHash("sha256").update(`${args.type}\u0000${args.name}\u0000${counter++}`).digest("hex");
            return out.slice(0, length);
        };

        if (args.type === "pulumi:providers:aws") {
            const ids = parseList(inputs.allowedAccountIds);
            this.providers.set(args.name, {
                accountId: ids[0] ?? this.options.defaultPlacement.accountId,
                region: str(inputs.region) || this.options.defaultPlacement.region,
            });
            if (this.options.preview) return { id: undefined, state: inputs };
            return { id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`, state: inputs };
        }

        if (args.type === STACK_REFERENCE_TYPE) {
            // The SDK reads `outputs` and `secretOutputNames` from the reference's state.
            const name = str(inputs.name) || args.name;
            return {
                id: name,
                state: { name, outputs: referencedStackOutputs(name, this.options.projectDir), secretOutputNames: [] },
            };
        }

        const autoName = AUTO_NAME_PROPERTY[args.type];
        if (autoName && inputs[autoName] === undefined) {
            // The provider appends 7 random hex characters to the logical name; buckets must be lowercase.
            const base = args.type === "aws:s3/bucket:Bucket" ? args.name.toLowerCase() : args.name;
            inputs[autoName] = `${base}-${hex(7)}`;
        }

        const compute = COMPUTED[args.type];
        if (!compute) {
            if (args.type.startsWith("aws:")) this.unknownTypes.add(args.type);
            if (this.options.preview || args.custom === false) return { id: undefined, state: inputs };
            return { id: `${args.name}-${hex(8)}`, state: inputs };
        }
        const placement = this.placement(args.provider);
        const computed = compute({ ...placement, name: args.name, inputs, hex });
        const { id, ...rest } = computed;
        if (this.options.preview) return { id: undefined, state: { ...inputs, ...unknownOutputs(rest, inputs) } };
        return { id: typeof id === "string" ? id : `${args.name}-${hex(8)}`, state: { ...inputs, ...rest } };
    }

    call(args: pulumi.runtime.MockCallArgs): Props {
        this.checkDefaultProvider(args.token, args.provider);
        const placement = this.placement(args.provider);
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId: placement.accountId,
                    arn: `arn:aws:sts::${placement.accountId}:assumed-role/deploy/offline-plan`,
                    userId: "AROAOFFLINEPLAN:offline-plan",
                    id: placement.accountId,
                };
            case "aws:index/getRegion:getRegion":
                return {
                    name: placement.region,
                    region: placement.region,
                    id: placement.region,
                    endpoint: `ec2.${placement.region}.amazonaws.com`,
                    description: placement.region,
                };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
            default:
                throw new Error(
                    `The offline engine does not answer the invoke '${args.token}': add it to offline/mocks.ts so the plan stays faithful.`,
                );
        }
    }
}

/**
 * During a preview the provider computes nothing: each output it would compute is unknown, unless
 * the program gave it as an input (the provider echoes inputs).
 */
function unknownOutputs(computed: Props, inputs: Props): Props {
    const out: Props = {};
    for (const key of Object.keys(computed)) if (inputs[key] === undefined) out[key] = pulumiUnknown;
    return out;
}

function parseList(value: unknown): string[] {
    if (Array.isArray(value)) return value.map(String);
    if (typeof value === "string" && value.startsWith("[")) {
        try {
            return (JSON.parse(value) as unknown[]).map(String);
        } catch {
            return [];
        }
    }
    return [];
}
