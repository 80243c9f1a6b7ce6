// Every console page, by area. A new page goes into its area's file under pages/ and is listed
// in that file's routes; this is the one place that gathers them.
import type { ConsoleRoute } from "./page.js";
import { accountRoutes } from "./pages/account.js";
import { agentGuardrailRoutes } from "./pages/agent-guardrails.js";
import { agentSettingRoutes } from "./pages/agent-settings.js";
import { agentRoutes } from "./pages/agents.js";
import { auditRoutes } from "./pages/audit.js";
import { enrollmentRoutes } from "./pages/enrollments.js";
import { homeRoutes } from "./pages/home.js";
import { orgRoutes } from "./pages/org.js";
import { policyRoutes } from "./pages/policies.js";
import { secretRoutes } from "./pages/secrets.js";
import { shareRoutes } from "./pages/shares.js";
import { signingKeyRoutes } from "./pages/signing-keys.js";
import { transactionRoutes } from "./pages/transactions.js";
import { vaultRoutes } from "./pages/vaults.js";

export function consoleRoutes(): ConsoleRoute[] {
  return [
    ...accountRoutes,
    ...homeRoutes,
    ...vaultRoutes,
    ...secretRoutes,
    ...enrollmentRoutes,
    ...agentRoutes,
    ...agentSettingRoutes,
    ...agentGuardrailRoutes,
    ...signingKeyRoutes,
    ...transactionRoutes,
    ...policyRoutes,
    ...shareRoutes,
    ...auditRoutes,
    ...orgRoutes,
  ];
}
