/**
 * `pulumi:disable-default-providers` (pulumi/pulumi#8829; Pulumi docs, "Configuration":
 * `pulumi:disable-default-providers`): with `aws` listed, the engine refuses an AWS resource or
 * invoke that names no provider instead of creating it through a default provider, which would act
 * in whatever account the ambient credentials belong to. Every stack lists `aws`; the offline engine
 * refuses as the real one does, so a component that forgot its provider fails the plan.
 */
import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { runOffline } from "../../offline/engine";
import { checkedInStacks, stackConfig } from "../../offline/stack";

describe("default providers disabled for aws", () => {
    it("is set in every checked-in stack file", () => {
        for (const stack of checkedInStacks()) {
            const value = stackConfig(stack)["pulumi:disable-default-providers"];
            assert.ok(value, `Pulumi.${stack}.yaml does not set pulumi:disable-default-providers`);
            assert.ok((JSON.parse(value) as string[]).includes("aws"), `${stack}: aws is not listed`);
        }
    });

    it("fails a resource that names no provider, and accepts one that does", async () => {
        const program = (explicit: boolean) => () => {
            const provider = new aws.Provider("p", { region: "eu-west-2", allowedAccountIds: ["111111111111"] });
            new aws.sns.Topic("alerts", {}, explicit ? { provider } : {});
            return {};
        };
        const options = {
            project: "vat-backup",
            stack: "test",
            config: { "pulumi:disable-default-providers": '["aws"]' },
            defaultPlacement: { accountId: "111111111111", region: "eu-west-2" },
        };
        await assert.rejects(
            runOffline({ ...options, program: program(false) }),
            /Default provider for 'aws' disabled\. 'aws:sns\/topic:Topic' must use an explicit provider/,
        );
        const run = await runOffline({ ...options, program: program(true) });
        assert.ok(run.resources.some((r) => r.type === "aws:sns/topic:Topic"));
    });
});
