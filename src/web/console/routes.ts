// Every console page, by area. A new page goes into its area's file under pages/ and is listed
// in that file's routes; this is the one place that gathers them.
import type { ConsoleRoute } from "./page.js";
import { accountRoutes } from "./pages/account.js";
import { auditRoutes } from "./pages/audit.js";
import { enrollmentRoutes } from "./pages/enrollments.js";
import { homeRoutes } from "./pages/home.js";
import { orgRoutes } from "./pages/org.js";
import { secretRoutes } from "./pages/secrets.js";
import { shareRoutes } from "./pages/shares.js";
import { vaultRoutes } from "./pages/vaults.js";

export function consoleRoutes(): ConsoleRoute[] {
  return [...accountRoutes, ...homeRoutes, ...vaultRoutes, ...secretRoutes, ...enrollmentRoutes, ...shareRoutes, ...auditRoutes, ...orgRoutes];
}
