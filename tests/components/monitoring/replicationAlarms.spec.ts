import * as assert from "node:assert/strict";
import { ReplicationAlarms, replicationAlarmSpecs } from "../../../components/monitoring/replicationAlarms";
import { runComponent } from "../../helpers/engine";

const TOPIC = "arn:aws:sns:eu-west-2:111111111111:alerts";
const ARGS = {
    alarmNamePrefix: "test-exports",
    sourceBucket: "src-bucket",
    destinationBucket: "archive-bucket",
    ruleId: "to-archive",
    alertTopicArn: TOPIC,
};

describe("ReplicationAlarms component", () => {
    it("alarms on any failed replication operation within five minutes, dimensioned by source, destination and rule", async () => {
        const run = await runComponent((provider) => {
            new ReplicationAlarms("repl", ARGS, { provider });
        });
        const failed = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "repl-replication-failed").inputs;
        assert.equal(failed.name, "test-exports-replication-failed");
        assert.equal(failed.namespace, "AWS/S3");
        assert.equal(failed.metricName, "OperationsFailedReplication");
        assert.deepEqual(failed.dimensions, {
            SourceBucket: "src-bucket",
            DestinationBucket: "archive-bucket",
            RuleId: "to-archive",
        });
        assert.equal(failed.statistic, "Sum");
        assert.equal(failed.period, 300);
        assert.equal(failed.threshold, 1);
        assert.equal(failed.comparisonOperator, "GreaterThanOrEqualToThreshold");
        assert.deepEqual(failed.alarmActions, [TOPIC]);
        assert.deepEqual(failed.okActions, [TOPIC]);
    });

    it("alarms when the worst latency stays above RTC's 15 minutes for 15 minutes", async () => {
        const run = await runComponent((provider) => {
            new ReplicationAlarms("repl", ARGS, { provider });
        });
        const latency = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "repl-replication-latency").inputs;
        assert.equal(latency.metricName, "ReplicationLatency");
        assert.equal(latency.statistic, "Maximum");
        assert.equal(latency.comparisonOperator, "GreaterThanThreshold");
        assert.equal(latency.threshold, 900);
        assert.equal(Number(latency.period) * Number(latency.evaluationPeriods), 900);
        assert.equal(latency.datapointsToAlarm, latency.evaluationPeriods);
        assert.equal(latency.treatMissingData, "notBreaching");
    });

    it("takes another latency threshold when asked", () => {
        const latency = replicationAlarmSpecs({ ...ARGS, latencyThresholdSeconds: 600 }).find(
            (s) => s.key === "replication-latency",
        );
        assert.equal(latency?.threshold, 600);
    });
});
