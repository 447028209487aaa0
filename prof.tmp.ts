import { performance } from "perf_hooks";
(async () => {
  const t0 = performance.now();
  const { main } = await import("./offline/plan");
  const { runConfigOffline } = await import("./offline/stack");
  const { FIXTURE_PACK_CONFIG, FIXTURE_STACK, fixtureConfig } = await import("./bench/fixture");
  const t1 = performance.now();
  let tr = 0;
  const log = console.log; console.log = () => undefined;
  await main(["node","plan","--stack",FIXTURE_STACK,"--policy-pack-config",FIXTURE_PACK_CONFIG], async (name, o, mode) => { const a = performance.now(); const r = await runConfigOffline(name, fixtureConfig(undefined), mode); tr = performance.now() - a; return r; });
  console.log = log;
  const t2 = performance.now();
  console.log(`start ${t0.toFixed(0)} load ${(t1-t0).toFixed(0)} run ${tr.toFixed(0)} rest ${(t2-t1-tr).toFixed(0)} total ${t2.toFixed(0)}`);
})();
