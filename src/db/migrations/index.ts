// Every migration, oldest first. Listed explicitly (not globbed) so tsx, vitest and tsc agree.
import { Events1763884800000 } from "./1763884800000-Events.js";

export const MIGRATIONS = [Events1763884800000];
