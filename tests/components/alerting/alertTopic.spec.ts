import * as assert from "node:assert/strict";
import { ALERT_PUBLISHERS, AlertTopic } from "../../../components/alerting/alertTopic";
import { runComponent, statement } from "../../helpers/engine";

describe("AlertTopic component", () => {
    it("encrypts the topic with its own key, which the publishing services of this account may use", async () => {
        const run = await runComponent((provider) => {
            new AlertTopic(
                "alerts",
                {
                    topicName: "t-alerts",
                    keyAlias: "alias/t-alerts",
                    accountId: "111111111111",
                    region: "eu-west-2",
                    emails: ["a@example.com", "b@example.com"],
                    protect: false,
                },
                { provider },
            );
        });
        const topic = run.one("aws:sns/topic:Topic");
        const key = run.one("aws:kms/key:Key");
        assert.equal(topic.inputs.kmsMasterKeyId, key.outputs.arn);
        assert.deepEqual(statement(key, "PublishingServices").Principal, { Service: ALERT_PUBLISHERS });
        const publish = statement(run.one("aws:sns/topicPolicy:TopicPolicy"), "AlertPublishers");
        assert.deepEqual(publish.Condition, { StringEquals: { "aws:SourceAccount": "111111111111" } });
        assert.equal(publish.Resource, topic.outputs.arn);
        const subs = run.ofType("aws:sns/topicSubscription:TopicSubscription");
        assert.deepEqual(
            subs.map((s) => s.inputs.endpoint),
            ["a@example.com", "b@example.com"],
        );
        assert.ok(subs.every((s) => s.inputs.protocol === "email" && s.inputs.topic === topic.outputs.arn));
    });
});
