/**
 * Preloaded into every measured process (`node -r bench/usage.js ...`), the CDK peer's too: at exit,
 * writes the process's own CPU time (user + system) and peak memory (maxRSS) as JSON to the file
 * named by BENCH_USAGE_FILE. Plain JavaScript, so it needs no loader in either process.
 */
"use strict";
const fs = require("fs");

const file = process.env.BENCH_USAGE_FILE;
if (file) {
    process.on("exit", () => {
        const usage = process.resourceUsage();
        fs.writeFileSync(
            file,
            JSON.stringify({
                cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
                maxRssKiB: usage.maxRSS,
                exitCode: process.exitCode ?? 0,
            }),
        );
    });
}
