import * as assert from "node:assert/strict";
import { AlarmSpec, alarmWindowError, assertAlarmSpec } from "../../../components/monitoring/alarms";

describe("CloudWatch alarm windows", () => {
    it("accepts the periods CloudWatch accepts: 10, 20, 30 and multiples of 60 seconds", () => {
        for (const periodSeconds of [10, 20, 30, 60, 300, 3600, 86400]) {
            assert.equal(
                alarmWindowError({ periodSeconds, evaluationPeriods: 1 }),
                undefined,
                `period ${periodSeconds}`,
            );
        }
    });

    it("rejects any other period", () => {
        for (const periodSeconds of [0, 1, 5, 15, 45, 90, 3601, -60]) {
            assert.match(
                alarmWindowError({ periodSeconds, evaluationPeriods: 1 }) ?? "",
                /10, 20, 30 or a multiple of 60/,
                `period ${periodSeconds}`,
            );
        }
    });

    it("limits a window of sub-hour periods to one day", () => {
        assert.equal(alarmWindowError({ periodSeconds: 300, evaluationPeriods: 288 }), undefined);
        assert.match(
            alarmWindowError({ periodSeconds: 300, evaluationPeriods: 289 }) ?? "",
            /86400 seconds.*300 × 289 = 86700/,
        );
    });

    it("limits a window of hourly or longer periods to one week", () => {
        assert.equal(alarmWindowError({ periodSeconds: 3600, evaluationPeriods: 168 }), undefined);
        assert.match(alarmWindowError({ periodSeconds: 3600, evaluationPeriods: 169 }) ?? "", /604800 seconds/);
    });

    it("requires datapointsToAlarm between 1 and the evaluation periods, and at least one period", () => {
        assert.match(
            alarmWindowError({ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 4 }) ?? "",
            /between 1 and evaluationPeriods \(3\)/,
        );
        assert.match(
            alarmWindowError({ periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 0 }) ?? "",
            /between 1 and evaluationPeriods/,
        );
        assert.match(alarmWindowError({ periodSeconds: 60, evaluationPeriods: 0 }) ?? "", /at least 1 period/);
    });

    it("names the alarm in the error raised before registration", () => {
        const spec: AlarmSpec = {
            key: "k",
            description: "d",
            namespace: "AWS/Backup",
            metricName: "m",
            dimensions: {},
            statistic: "Sum",
            window: { periodSeconds: 45, evaluationPeriods: 1 },
            comparison: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
        };
        assert.throws(
            () => assertAlarmSpec("prod-env-backup-k", spec),
            /Alarm 'prod-env-backup-k': CloudWatch accepts an alarm period/,
        );
    });
});
