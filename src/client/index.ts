// The Clawkeep TypeScript client (`clawkeep/client`): one agent's client with automatic token
// refresh, and the fleet token manager. It ships without the server: nothing here imports
// src/server, src/domain or src/db (eslint.config.js enforces it).
export { createClient, type AgentToken, type ClawkeepClient, type ClientOptions } from "./client.js";
export { ClawkeepError, GoneError, NotFoundError, PermissionDeniedError, RateLimitedError, UnauthenticatedError } from "./errors.js";
export { FleetTokenManager, type FleetAgent, type FleetTokenEvent, type FleetTokenManagerOptions } from "./fleet.js";
export type { Protocol } from "./transport.js";
