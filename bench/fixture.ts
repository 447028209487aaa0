/**
 * The benchmark's fixed work: the deployment stack's config as it stood when the comparison with the
 * CDK peer began (bench/fixtures/Pulumi.prod.yaml, generated from Pulumi.prod.yaml and checked in),
 * protecting the peer's eleven tables. The checked-in stacks keep changing; this file does not, so
 * benchmarks of different days plan the same config. Regenerate it only on purpose:
 * `node -r ./offline/register.js bench/fixture.ts --write`.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT } from "../naming";
import { readStackFile } from "../stacks/config";
import { PROJECT_DIR } from "../offline/stack";

export const FIXTURE_DIR = path.join(__dirname, "fixtures");
/** The fixture is the prod stack's config: its URNs and tags are prod's. */
export const FIXTURE_STACK = "prod";
/** prod's pack config as CI passes it (policies/config/prod.json), naming the fixture's tables. */
export const FIXTURE_PACK_CONFIG = path.join(FIXTURE_DIR, "policy-pack-config.json");

/** The tables the CDK peer protects (../shared/peers/cdk-deployment/app.js), in its order. */
const PEER_TABLE_NAMES = [
    "receipts",
    "bundles",
    "passes",
    "subscriptions",
    "hmrc-api-requests",
    "bundle-post-async-requests",
    "bundle-delete-async-requests",
    "hmrc-vat-return-post-async-requests",
    "hmrc-vat-return-get-async-requests",
    "hmrc-vat-obligation-get-async-requests",
    "bundle-capacity",
];

/** The names the peer gives `TABLES=n` tables: its eleven, then `prod-env-table-<i>`. */
export function peerTables(count = PEER_TABLE_NAMES.length): string[] {
    return Array.from({ length: count }, (_, i) => `prod-env-${PEER_TABLE_NAMES[i] ?? `table-${i}`}`);
}

/** The fixture's config as the CLI passes it, with `tables` tables (the peer's names) when given. */
export function fixtureConfig(tables?: number): Record<string, string> {
    const config = readStackFile(FIXTURE_STACK, FIXTURE_DIR);
    if (tables !== undefined) config[`${PROJECT}:tables`] = JSON.stringify(peerTables(tables));
    return config;
}

/** Pulumi.prod.yaml with the peer's tables, under a header that says where it came from. */
export function generateFixture(now = new Date()): string {
    const doc = parseDocument(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${FIXTURE_STACK}.yaml`), "utf8"));
    doc.setIn(["config", `${PROJECT}:tables`], peerTables());
    doc.commentBefore = [
        ` Benchmark fixture (bench/fixture.ts), generated ${now.toISOString().slice(0, 10)} from Pulumi.${FIXTURE_STACK}.yaml`,
        " with the CDK peer's eleven tables. Fixed on purpose: do not edit; regenerate only to change the compared work.",
        ...(doc.commentBefore ? [doc.commentBefore] : []),
    ].join("\n");
    return doc.toString();
}

/**
 * policies/config/prod.json with the fixture's tables wherever it lists the stack's tables, so the
 * policies that check every referenced table judge the tables the fixture protects.
 */
export function generatePackConfig(): string {
    const stackTables = JSON.stringify(JSON.parse(readStackFile(FIXTURE_STACK)[`${PROJECT}:tables`]));
    const replace = (value: unknown): unknown => {
        if (Array.isArray(value)) return JSON.stringify(value) === stackTables ? peerTables() : value.map(replace);
        if (value === null || typeof value !== "object") return value;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    };
    const file = path.join(PROJECT_DIR, "policies", "config", `${FIXTURE_STACK}.json`);
    return `${JSON.stringify(replace(JSON.parse(fs.readFileSync(file, "utf8"))), null, 4)}\n`;
}

if (require.main === module) {
    if (process.argv[2] !== "--write") {
        console.error("usage: node -r ./offline/register.js bench/fixture.ts --write");
        process.exit(2);
    }
    fs.mkdirSync(FIXTURE_DIR, { recursive: true });
    const file = path.join(FIXTURE_DIR, `Pulumi.${FIXTURE_STACK}.yaml`);
    fs.writeFileSync(file, generateFixture());
    fs.writeFileSync(FIXTURE_PACK_CONFIG, generatePackConfig());
    console.log(`Wrote ${path.relative(PROJECT_DIR, file)} and ${path.relative(PROJECT_DIR, FIXTURE_PACK_CONFIG)}`);
}
