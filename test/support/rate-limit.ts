// A per-caller rate limit too high to reach: for servers whose tests or load must reach the
// handlers however fast they call (the limit itself is tested in test/rpc/rate-limit.test.ts).
export const NO_RATE_LIMIT = { CLAWKEEP_RATE_LIMIT_PER_SECOND: "1000000", CLAWKEEP_RATE_LIMIT_BURST: "1000000" };
