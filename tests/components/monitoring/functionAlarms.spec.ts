import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { FunctionAlarms } from "../../../components/monitoring/functionAlarms";
import { Registered, runComponent } from "../../helpers/engine";

const TOPIC = "arn:aws:sns:eu-west-2:333333333333:alerts";

describe("FunctionAlarms component", () => {
    let run: Registered;
    before(async () => {
        run = await runComponent(
            (provider) => {
                const queue = new aws.sqs.Queue("q", { name: "copy-dlq" }, { provider });
                const fn = new aws.lambda.Function(
                    "f",
                    {
                        name: "copy-fn",
                        role: "arn:aws:iam::333333333333:role/r",
                        runtime: "nodejs20.x",
                        handler: "index.handler",
                    },
                    { provider },
                );
                new FunctionAlarms(
                    "fa",
                    {
                        alarmNamePrefix: "vat-backup-copy",
                        functionName: fn.name,
                        deadLetterQueueName: queue.name,
                        alertTopicArn: TOPIC,
                    },
                    { provider },
                );
            },
            { accountId: "333333333333", region: "eu-west-2" },
        );
    });
    const alarm = (key: string) => run.one("aws:cloudwatch/metricAlarm:MetricAlarm", `fa-${key}`).inputs;

    it("alarms on any error or throttle of the function it was given, within five minutes", () => {
        const fnName = run.one("aws:lambda/function:Function").outputs.name;
        for (const [key, metric] of [
            ["errors", "Errors"],
            ["throttles", "Throttles"],
        ]) {
            const a = alarm(key);
            assert.equal(a.name, `vat-backup-copy-${key}`);
            assert.equal(a.namespace, "AWS/Lambda");
            assert.equal(a.metricName, metric);
            assert.deepEqual(a.dimensions, { FunctionName: fnName });
            assert.equal(a.statistic, "Sum");
            assert.equal(a.period, 300);
            assert.equal(a.threshold, 1);
            assert.equal(a.treatMissingData, "notBreaching");
        }
    });

    it("alarms while any message waits in the dead-letter queue it was given", () => {
        const a = alarm("dead-letters");
        assert.equal(a.namespace, "AWS/SQS");
        assert.equal(a.metricName, "ApproximateNumberOfMessagesVisible");
        assert.deepEqual(a.dimensions, { QueueName: run.one("aws:sqs/queue:Queue").outputs.name });
        assert.equal(a.statistic, "Maximum");
        assert.equal(a.comparisonOperator, "GreaterThanOrEqualToThreshold");
        assert.equal(a.threshold, 1);
    });

    it("sends every alarm and its recovery to the alert topic", () => {
        for (const a of run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
            assert.deepEqual(a.inputs.alarmActions, [TOPIC]);
            assert.deepEqual(a.inputs.okActions, [TOPIC]);
        }
    });
});
