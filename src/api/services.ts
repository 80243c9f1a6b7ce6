// Every service of the contract and its implementation. A service appears here exactly once;
// methods without an implementation yet answer Unimplemented naming their capability.
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import type { AppServices } from "../app.js";
import type { HealthMonitor } from "../server/health.js";
import { agentService } from "./agents.js";
import { auditService } from "./audit.js";
import { enrollmentMethods } from "./enrollments.js";
import { authService } from "./auth.js";
import { healthService } from "./health.js";
import { intentService } from "./intents.js";
import { orgService } from "./org.js";
import { shareService } from "./sharing.js";
import { vaultService } from "./vaults.js";
import { withUnimplemented } from "./unimplemented.js";

export interface ApiDeps {
  health: HealthMonitor;
  app: AppServices;
}

export interface ServiceRegistration {
  service: DescService;
  impl: ServiceImpl<DescService>;
}

/** The Clawkeep services in the order reflection lists them. */
export const CLAWKEEP_SERVICES: DescService[] = [AuthService, AgentService, VaultService, ShareService, IntentService, AuditService, OrgService, HealthService];

export function apiServices(deps: ApiDeps): ServiceRegistration[] {
  const register = <S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration => ({
    service,
    impl: withUnimplemented(service, impl) as unknown as ServiceImpl<DescService>,
  });
  return [
    register(AuthService, authService({ accounts: deps.app.accounts, agents: deps.app.agents, agentTokens: deps.app.agentTokens, fleetTokens: deps.app.fleetTokens, apiKeys: deps.app.apiKeys, jwtKeys: deps.app.jwtKeys, publicUrl: deps.app.publicUrl })),
    register(AgentService, { ...agentService(deps.app.agents, (agentIds) => deps.app.transactions.spentToday(agentIds), deps.app.agentActivity), ...enrollmentMethods(deps.app.enrollments, deps.app.enrollmentWatch) }),
    register(VaultService, vaultService(deps.app)),
    register(ShareService, shareService(deps.app.shares)),
    register(IntentService, intentService(deps.app)),
    register(AuditService, auditService(deps.app)),
    register(OrgService, orgService(deps.app.members, deps.app.ipRules, deps.app.agents, deps.app.orgSettings)),
    register(HealthService, healthService(deps.health)),
  ];
}
