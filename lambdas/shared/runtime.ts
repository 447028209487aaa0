/**
 * What every scheduled protection function shares: retries of throttled calls, and the metrics
 * that alarms read (a run that never happens publishes nothing, which the alarms treat as breaching).
 * Only AWS SDK v3 clients (provided by the Node.js Lambda runtime) and Node built-ins are imported.
 */
import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from "@aws-sdk/client-cloudwatch";

export type Sender = { send: (command: any) => Promise<any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Throttling and service-side limits: worth another try after a pause. */
const THROTTLING = new Set([
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "SlowDown",
    "ServiceUnavailableException",
]);

export function isThrottling(error: unknown): boolean {
    if (typeof error !== "object" || error === null) return false;
    const { name, $retryable } = error as { name?: string; $retryable?: { throttling?: boolean } };
    return (name !== undefined && THROTTLING.has(name)) || $retryable?.throttling === true;
}

export function errorName(error: unknown): string {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export interface RetryOptions {
    attempts?: number;
    sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls `fn` again after a throttling error, with exponential backoff (on top of the SDK's own
 * retries); any other error, or throttling past the last attempt, is thrown.
 */
export async function withThrottleRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
    const attempts = options.attempts ?? 5;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn();
        } catch (error) {
            if (!isThrottling(error) || attempt >= attempts) throw error;
            await sleep(Math.min(20_000, 250 * 2 ** attempt));
        }
    }
}

export interface MetricPoint {
    name: string;
    value: number;
    unit: StandardUnit;
    dimensions: Record<string, string>;
}

/** PutMetricData takes at most 1000 metrics a call; a run publishes a handful. */
export async function publishMetrics(
    cloudwatch: Sender,
    namespace: string,
    points: MetricPoint[],
    at: Date,
    retry?: RetryOptions,
): Promise<void> {
    for (let i = 0; i < points.length; i += 1000) {
        const batch = points.slice(i, i + 1000);
        await withThrottleRetry(
            () =>
                cloudwatch.send(
                    new PutMetricDataCommand({
                        Namespace: namespace,
                        MetricData: batch.map((p) => ({
                            MetricName: p.name,
                            Value: p.value,
                            Unit: p.unit,
                            Timestamp: at,
                            Dimensions: Object.entries(p.dimensions).map(([Name, Value]) => ({ Name, Value })),
                        })),
                    }),
                ),
            retry,
        );
    }
}

export { CloudWatchClient };

/** A required environment variable, or a clear failure at cold start. */
export function requireEnv(env: Record<string, string | undefined>, names: string[], fn: string): void {
    const missing = names.filter((n) => !env[n]);
    if (missing.length) throw new Error(`${fn} is missing environment variables: ${missing.join(", ")}`);
}
