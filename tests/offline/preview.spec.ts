/**
 * Preview mode: every checked-in stack evaluated as `pulumi preview` evaluates it (a dry run), where
 * nothing exists yet, so every id and every output the provider computes is unknown, applies over
 * them do not run, and a dynamic resource's provider returns only its inputs. The program must
 * register exactly what the update-mode plan registers: a resource created inside an `apply` would
 * be missing here, and an apply that assumes a known value would fail here.
 */
import * as assert from "node:assert/strict";
import { main } from "../../offline/plan";
import { checkedInStacks } from "../../offline/stack";
import { OfflineRun } from "../../offline/engine";
import { RecordedResource, UNKNOWN } from "../../offline/types";
import { runStackOffline } from "../helpers/engine";

/** What identifies a registration, whatever its values. */
const shape = (r: RecordedResource) =>
    JSON.stringify([r.urn, r.type, r.custom, r.parent, r.provider, r.protect, r.dependencies ?? []]);

const hasUnknown = (value: unknown): boolean =>
    value === UNKNOWN ||
    (Array.isArray(value)
        ? value.some(hasUnknown)
        : typeof value === "object" && value !== null
          ? Object.values(value).some(hasUnknown)
          : false);

describe("preview mode (a dry run, as `pulumi preview`)", () => {
    for (const stack of checkedInStacks()) {
        describe(`stack '${stack}'`, () => {
            let update: OfflineRun;
            let preview: OfflineRun;
            before(async () => {
                update = await runStackOffline(stack);
                preview = await runStackOffline(stack, {}, { preview: true });
            });

            it("registers exactly what the update-mode plan registers (nothing is created inside an apply)", () => {
                assert.equal(preview.preview, true);
                assert.deepEqual(preview.resources.map(shape).sort(), update.resources.map(shape).sort());
            });

            it("knows no computed output: each one the update plan computed is unknown unless the program gave it", () => {
                const byUrn = new Map(preview.resources.map((r) => [r.urn, r]));
                let computed = 0;
                for (const u of update.resources.filter((r) => r.custom && r.type.startsWith("aws:"))) {
                    const p = byUrn.get(u.urn)!;
                    for (const key of Object.keys(u.outputs).filter((k) => !(k in u.inputs))) {
                        computed++;
                        // An auto-name is filled in by the provider's Check, which runs during a preview too.
                        if (p.inputs[key] !== undefined) continue;
                        assert.equal(p.outputs[key], UNKNOWN, `${u.urn}: ${key} is known during preview`);
                    }
                }
                // The org stack's few resources are of types whose outputs the offline engine does not model.
                if (stack !== "org") assert.ok(computed > 0, "the update plan computed outputs to compare");
            });

            it("gives a dynamic resource only its inputs back", () => {
                for (const r of preview.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/"))) {
                    assert.deepEqual(r.outputs, r.inputs, r.urn);
                }
            });

            it("has unknown inputs wherever a value comes from another resource's output", () => {
                if (stack === "org") return;
                assert.ok(preview.resources.some((r) => hasUnknown(r.inputs)));
                assert.ok(update.resources.every((r) => !hasUnknown(r.inputs) && !hasUnknown(r.outputs)));
            });
        });
    }

    it("`npm run plan -- --stack ci --preview` prints the dry run and passes the pack", async () => {
        const out: string[] = [];
        const log = console.log;
        console.log = (...a: unknown[]) => out.push(a.join(" "));
        let code: number;
        try {
            code = await main(["node", "plan", "--stack", "ci", "--preview"], runStackOffline);
        } finally {
            console.log = log;
        }
        assert.equal(code, 0, out.join("\n"));
        assert.match(out.join("\n"), /Previewing update \(ci\), offline, as a dry run/);
        assert.doesNotMatch(out.join("\n"), /Backup posture/i);
    });
});
