/**
 * The one door every AWS call goes through.
 *
 * - Reads (`Describe*`, `List*`, `Get*`, `Head*` and KMS crypto that changes nothing) always run.
 * - Mutating calls go through `mutate`, which under `--dry-run` records and prints the call and
 *   sends nothing. A command cannot bypass the gate by accident: `read` refuses a mutating
 *   operation, and `mutate` refuses a read, so a mislabelled call fails in tests, not in production.
 * - Throttling is retried twice over: inside the SDK (retry mode "adaptive", which also slows the
 *   client's send rate) and, when the SDK has used its attempts, here with a longer, patient backoff,
 *   so a throttled 3 a.m. restore slows down instead of failing. A throttled request was not
 *   executed, so repeating it is safe even for mutating calls.
 * - "Not logged in" errors become a CredentialsError (exit 3) wherever they happen.
 */
import { CredentialsError, errorMessage, isCredentialError, isThrottlingError } from "../errors";
import { Clock, formatDuration } from "../time";

/** What the gate needs of an SDK client. */
export interface SdkClient {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    send(command: any): Promise<any>;
}

/** What the gate needs of an SDK command: its input, and its output type through resolveMiddleware. */
export interface SdkCommand {
    readonly input: object;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    resolveMiddleware(...args: any[]): (args: any) => Promise<{ output: unknown }>;
}

export type OutputOf<C> = C extends {
    resolveMiddleware(...args: never[]): (args: never) => Promise<{ output: infer O }>;
}
    ? O
    : never;

export interface CallRecord {
    /** e.g. `DynamoDB` */
    service: string;
    /** e.g. `RestoreTableToPointInTime` */
    operation: string;
    /** Which credentials sent it (`target`, `backup`). */
    account: string;
    mutating: boolean;
    /** True when dry run kept the call from being sent. */
    skipped: boolean;
    input: Record<string, unknown>;
}

export interface GateOptions {
    dryRun: boolean;
    clock: Clock;
    /** Progress and notices: stderr only, so `--json` stdout stays a single document. */
    notice: (line: string) => void;
    /** Patient retries after the SDK gave up on throttling. */
    throttleRetries: number;
    throttleBaseDelayMs: number;
}

const READ_ONLY = /^(Describe|List|Get|Head|Decrypt|Encrypt|GenerateDataKey)/;

/** Fields never echoed in a dry-run plan or a JSON call log. */
const REDACTED_FIELDS = new Set(["SecretString", "SecretBinary", "Body", "Plaintext", "CiphertextBlob"]);

export function operationName(command: object): string {
    return command.constructor.name.replace(/Command$/, "");
}

export function serviceName(client: object): string {
    return client.constructor.name.replace(/Client$/, "");
}

export function isReadOnlyOperation(operation: string): boolean {
    return READ_ONLY.test(operation);
}

function redact(input: object): Record<string, unknown> {
    return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, REDACTED_FIELDS.has(k) ? "<redacted>" : v]));
}

export class AwsGate {
    readonly calls: CallRecord[] = [];

    constructor(private readonly opts: GateOptions) {}

    get dryRun(): boolean {
        return this.opts.dryRun;
    }

    /** A call that changes nothing; it runs even under --dry-run. */
    async read<C extends SdkCommand>(client: SdkClient, command: C, account = "target"): Promise<OutputOf<C>> {
        const operation = operationName(command);
        if (!isReadOnlyOperation(operation))
            throw new Error(`${operation} changes state: send it through AwsGate.mutate`);
        this.record(client, command, account, false, false);
        return (await this.send(client, command)) as OutputOf<C>;
    }

    /** A call that changes something; under --dry-run it is printed and not sent (returns undefined). */
    async mutate<C extends SdkCommand>(
        client: SdkClient,
        command: C,
        account = "target",
    ): Promise<OutputOf<C> | undefined> {
        const operation = operationName(command);
        if (isReadOnlyOperation(operation))
            throw new Error(`${operation} changes nothing: send it through AwsGate.read`);
        const record = this.record(client, command, account, true, this.opts.dryRun);
        if (this.opts.dryRun) {
            this.opts.notice(
                `[dry-run] would call ${record.service}.${record.operation} (${account}) ${JSON.stringify(record.input)}`,
            );
            return undefined;
        }
        return (await this.send(client, command)) as OutputOf<C>;
    }

    /**
     * A change made outside the SDK (the PUT to a pre-signed URL): recorded like any mutating call
     * and, under --dry-run, not made.
     */
    async mutateExternal(
        service: string,
        operation: string,
        input: Record<string, unknown>,
        fn: () => Promise<void>,
        account = "target",
    ): Promise<void> {
        const record: CallRecord = {
            service,
            operation,
            account,
            mutating: true,
            skipped: this.opts.dryRun,
            input: redact(input),
        };
        this.calls.push(record);
        if (this.opts.dryRun) {
            this.opts.notice(`[dry-run] would ${service} ${operation} ${JSON.stringify(record.input)}`);
            return;
        }
        await fn();
    }

    private record(
        client: object,
        command: SdkCommand,
        account: string,
        mutating: boolean,
        skipped: boolean,
    ): CallRecord {
        const record: CallRecord = {
            service: serviceName(client),
            operation: operationName(command),
            account,
            mutating,
            skipped,
            input: redact(command.input),
        };
        this.calls.push(record);
        if (this.opts.dryRun && !mutating)
            this.opts.notice(`[dry-run] reading ${record.service}.${record.operation} (${account})`);
        return record;
    }

    private async send(client: SdkClient, command: SdkCommand): Promise<unknown> {
        for (let retry = 0; ; retry++) {
            try {
                return await client.send(command);
            } catch (err) {
                if (isCredentialError(err)) {
                    throw new CredentialsError(
                        `AWS refused the credentials for ${serviceName(client)}.${operationName(command)}: ${errorMessage(err)}`,
                    );
                }
                if (!isThrottlingError(err) || retry >= this.opts.throttleRetries) throw err;
                const delay = Math.min(this.opts.throttleBaseDelayMs * 2 ** retry, 60_000);
                this.opts.notice(
                    `throttled on ${serviceName(client)}.${operationName(command)}; waiting ${formatDuration(delay)} before retry ${retry + 1}/${this.opts.throttleRetries}`,
                );
                await this.opts.clock.sleep(delay);
            }
        }
    }
}

/** Reads every page of a paginated read; `next` extracts the token, `withToken` builds the next command. */
export async function readAllPages<C extends SdkCommand, T>(
    gate: AwsGate,
    client: SdkClient,
    makeCommand: (token: string | undefined) => C,
    items: (page: OutputOf<C>) => T[] | undefined,
    nextToken: (page: OutputOf<C>) => string | undefined,
    account = "target",
): Promise<T[]> {
    const all: T[] = [];
    let token: string | undefined;
    do {
        const page = await gate.read(client, makeCommand(token), account);
        all.push(...(items(page) ?? []));
        token = nextToken(page);
    } while (token);
    return all;
}
