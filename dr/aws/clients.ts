/**
 * AWS clients for one set of credentials in one region.
 *
 * Every client uses retry mode "adaptive": on throttling the SDK both retries and lowers its own
 * send rate, which is what a tool walking every table of an account needs. Credentials come from a
 * named profile (SSO included) or the default chain, optionally assuming a role on top.
 */
import { BackupClient } from "@aws-sdk/client-backup";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";

export interface AwsClients {
    dynamodb: DynamoDBClient;
    backup: BackupClient;
    s3: S3Client;
    secrets: SecretsManagerClient;
    kms: KMSClient;
    cognito: CognitoIdentityProviderClient;
    sts: STSClient;
}

/** Which credentials: the account being protected or restored, or the backup account. */
export type AccountRole = "target" | "backup";

/** Builds the clients for one account role in one region; tests inject their own. */
export type ClientFactory = (account: AccountRole, region: string) => AwsClients;

export interface CredentialOptions {
    profile?: string;
    roleArn?: string;
    /** Required by STS for a role session; shows up in CloudTrail, so it names the tool. */
    roleSessionName?: string;
    /**
     * The MFA device whose code answers a trust policy's `aws:MultiFactorAuthPresent` condition:
     * AssumeRole with SerialNumber and TokenCode (STS API reference, AssumeRole).
     */
    mfaSerial?: string;
    /** Asks for the current code of that device (the terminal, or a test). */
    mfaCode?: (serial: string) => Promise<string>;
}

export interface ClientSettings {
    target: CredentialOptions;
    /** Undefined when no backup-account credentials were given. */
    backup?: CredentialOptions;
    /** Attempts per call inside the SDK (adaptive mode). */
    maxAttempts: number;
}

export const RETRY_MODE = "adaptive";

type CredentialProvider = ReturnType<typeof fromNodeProviderChain>;

export function credentialProvider(
    opts: CredentialOptions,
    region: string,
    overrides: { base?: CredentialProvider } & ClientOverrides = {},
): CredentialProvider {
    const base = overrides.base ?? fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {});
    if (!opts.roleArn) return base;
    const mfa =
        opts.mfaSerial && opts.mfaCode
            ? { params: { SerialNumber: opts.mfaSerial }, mfaCodeProvider: opts.mfaCode }
            : { params: {} };
    // Role chaining caps a session at one hour; the SDK refreshes it before it expires, so a
    // four-hour restore keeps working.
    return fromTemporaryCredentials({
        masterCredentials: base,
        params: {
            RoleArn: opts.roleArn,
            RoleSessionName: opts.roleSessionName ?? "vat-dr",
            DurationSeconds: 3600,
            ...mfa.params,
        },
        ...(mfa.mfaCodeProvider ? { mfaCodeProvider: mfa.mfaCodeProvider } : {}),
        clientConfig: { region, ...(overrides.requestHandler ? { requestHandler: overrides.requestHandler } : {}) },
    });
}

/** Settings tests may inject: a request handler that answers without the network. */
export interface ClientOverrides {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    requestHandler?: any;
}

export function createClients(
    credentials: CredentialProvider,
    region: string,
    maxAttempts: number,
    overrides: ClientOverrides = {},
): AwsClients {
    const config = { region, credentials, retryMode: RETRY_MODE, maxAttempts, ...overrides };
    return {
        dynamodb: new DynamoDBClient(config),
        backup: new BackupClient(config),
        s3: new S3Client(config),
        secrets: new SecretsManagerClient(config),
        kms: new KMSClient(config),
        cognito: new CognitoIdentityProviderClient(config),
        sts: new STSClient(config),
    };
}

/** The real factory: one client set per (account, region), created once and reused. */
export function awsClientFactory(settings: ClientSettings): ClientFactory {
    const cache = new Map<string, AwsClients>();
    return (account, region) => {
        const key = `${account}/${region}`;
        const cached = cache.get(key);
        if (cached) return cached;
        const opts = account === "backup" ? (settings.backup ?? settings.target) : settings.target;
        const clients = createClients(credentialProvider(opts, region), region, settings.maxAttempts);
        cache.set(key, clients);
        return clients;
    };
}
