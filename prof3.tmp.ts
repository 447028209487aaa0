import { runConfigOffline, stackConfig } from "./offline/stack";
(async () => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < 12; i++) await runConfigOffline("prod", stackConfig("prod", {}), {});
  const c = process.cpuUsage(c0);
  console.log("cpu s", ((c.user + c.system) / 1e6).toFixed(2), "rss MiB", (process.memoryUsage().rss / 2 ** 20).toFixed(0));
})();
