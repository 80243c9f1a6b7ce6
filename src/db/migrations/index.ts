// Every migration, oldest first. Listed explicitly (not globbed) so tsx, vitest and tsc agree.
import { Events1763884800000 } from "./1763884800000-Events.js";
import { Keys1763884800001 } from "./1763884800001-Keys.js";
import { Audit1763884800002 } from "./1763884800002-Audit.js";
import { Identity1763884800003 } from "./1763884800003-Identity.js";
import { Vaults1763884800004 } from "./1763884800004-Vaults.js";
import { IpRules1763884800005 } from "./1763884800005-IpRules.js";
import { Agents1763884800006 } from "./1763884800006-Agents.js";
import { Mail1763884800007 } from "./1763884800007-Mail.js";
import { Enrollments1763884800008 } from "./1763884800008-Enrollments.js";
import { Shares1763884800009 } from "./1763884800009-Shares.js";
import { Engine1763884800010 } from "./1763884800010-Engine.js";
import { Intents1763884800011 } from "./1763884800011-Intents.js";
import { Console1763884800012 } from "./1763884800012-Console.js";

export const MIGRATIONS = [Events1763884800000, Keys1763884800001, Audit1763884800002, Identity1763884800003, Vaults1763884800004, IpRules1763884800005, Agents1763884800006, Mail1763884800007, Enrollments1763884800008, Shares1763884800009, Engine1763884800010, Intents1763884800011, Console1763884800012];
