/**
 * Sentinel items: a known item per table whose presence proves a restore carried the data, without
 * scanning a customer table (a security detector watches for scans).
 *
 * The file maps a table (full name, or the name after `{env}-env-` so one file serves every
 * environment) to the item's key in DynamoDB JSON:
 *
 *     { "receipts": { "hashedSub": { "S": "dr-sentinel" }, "receiptId": { "S": "dr-sentinel" } } }
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { z } from "zod";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { UsageError } from "./errors";

export type SentinelKey = Record<string, AttributeValue>;

const attributeValue = z.union([
    z.object({ S: z.string() }).strict(),
    z.object({ N: z.string().regex(/^-?\d+(\.\d+)?$/, "N is a number written as a string") }).strict(),
    z.object({ B: z.string() }).strict(),
]);
const fileSchema = z.record(
    z.string(),
    z
        .record(z.string(), attributeValue)
        .refine(
            (k) => Object.keys(k).length >= 1 && Object.keys(k).length <= 2,
            "a key has a partition key and at most a sort key",
        ),
);

export class Sentinels {
    constructor(private readonly keys: Record<string, SentinelKey>) {}

    static none(): Sentinels {
        return new Sentinels({});
    }

    static fromFile(file: string): Sentinels {
        if (!fs.existsSync(file))
            throw new UsageError(
                `sentinels file ${file} does not exist`,
                "Pass --sentinels with the path of the JSON/YAML file of sentinel keys.",
            );
        const parsed = fileSchema.safeParse(YAML.parse(fs.readFileSync(file, "utf8")));
        if (!parsed.success) {
            throw new UsageError(
                `sentinels file ${file} is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
                'Write it as { "<table>": { "<key attribute>": { "S": "<value>" } } }.',
            );
        }
        const keys: Record<string, SentinelKey> = {};
        for (const [table, key] of Object.entries(parsed.data)) {
            keys[table] = Object.fromEntries(
                Object.entries(key).map(([attr, v]) => [attr, "B" in v ? { B: Buffer.from(v.B, "base64") } : v]),
            ) as SentinelKey;
        }
        return new Sentinels(keys);
    }

    /** The sentinel key for a table, by full name or by its name after `-env-`. */
    keyFor(tableName: string): SentinelKey | undefined {
        return this.keys[tableName] ?? this.keys[tableName.replace(/^.*?-env-/, "")];
    }
}
