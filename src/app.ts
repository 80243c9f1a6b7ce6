// The composition root shared by main.ts and the tests: from config, database and bus, builds
// the keys and domain services one server uses. Nothing here is a module-level singleton.
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { JwtKeys } from "./crypto/jwt-keys.js";
import { Keyring } from "./crypto/keyring.js";
import { deriveKey, loadMasterKey } from "./crypto/master-key.js";
import type { Database } from "./db/database.js";
import { AuditLog } from "./domain/audit/audit-log.js";
import { AuditQuery } from "./domain/audit/audit-query.js";
import { AuditSequencer } from "./domain/audit/audit-sequencer.js";
import { AuditVerifier } from "./domain/audit/audit-verify.js";
import { AuditWatch } from "./domain/audit/audit-watch.js";
import { AgentStanding } from "./domain/agents/agent-standing.js";
import { AgentTokens } from "./domain/agents/agent-tokens.js";
import { isLiveAgent, liveAgentsOfOrg } from "./domain/agents/agent-store.js";
import { agentPrincipal, Agents, mayAct } from "./domain/agents/agents.js";
import { EnrollmentExpiry } from "./domain/agents/enrollment-expiry.js";
import { EnrollmentWatch } from "./domain/agents/enrollment-watch.js";
import { Enrollments } from "./domain/agents/enrollments.js";
import { FleetTokens } from "./domain/agents/fleet-tokens.js";
import { AccessTokenVerifier } from "./domain/identity/access-tokens.js";
import { Accounts } from "./domain/identity/accounts.js";
import { PersonalApiKeys } from "./domain/identity/api-keys.js";
import { isMember, membersOfOrg } from "./domain/identity/identity-store.js";
import { IpRuleGate } from "./domain/identity/ip-rule-gate.js";
import { IpRules } from "./domain/identity/ip-rules.js";
import { Members } from "./domain/identity/members.js";
import { OrgSettingsEditor } from "./domain/identity/org-settings.js";
import { followKekRotations } from "./domain/keys/kek-rotation.js";
import type { CredentialVerifier } from "./domain/identity/principal.js";
import { Sessions } from "./domain/identity/sessions.js";
import { UserTokens } from "./domain/identity/user-tokens.js";
import { SessionStanding } from "./domain/identity/session-standing.js";
import { Chains } from "./domain/intents/chains.js";
import { KeyBalances } from "./domain/intents/key-balances.js";
import { SigningKeys } from "./domain/intents/signing-keys.js";
import { Transactions } from "./domain/intents/transactions.js";
import { EvmClients } from "./chains/evm.js";
import { Policies, type PolicyPrincipals } from "./domain/vaults/policies.js";
import { VaultCache } from "./domain/vaults/vault-cache.js";
import { Shares } from "./domain/sharing/shares.js";
import { Secrets } from "./domain/vaults/secrets.js";
import { Vaults } from "./domain/vaults/vaults.js";
import type { EventBus } from "./events/bus.js";
import { Mailer } from "./mail/mailer.js";

export interface AppServices {
  keyring: Keyring;
  jwtKeys: JwtKeys;
  audit: AuditLog;
  /** Links appended audit events into their chains; close it before the bus. */
  auditSequencer: AuditSequencer;
  accounts: Accounts;
  apiKeys: PersonalApiKeys;
  members: Members;
  auditQuery: AuditQuery;
  /** When agents of an organisation last acted (their newest audit event as actor): fills Agent.last_active_at. */
  agentActivity: (orgId: string, agentIds: string[]) => Promise<Map<string, Date>>;
  auditVerifier: AuditVerifier;
  auditWatch: AuditWatch;
  ipRules: IpRules;
  /** Checks every authenticated call against its organisation's IP rules (authn interceptor). */
  ipRuleGate: IpRuleGate;
  vaults: Vaults;
  secrets: Secrets;
  agents: Agents;
  agentTokens: AgentTokens;
  /** WatchFleetTokens: keeps many agents' tokens fresh over one stream, revocations pushed. */
  fleetTokens: FleetTokens;
  policies: Policies;
  enrollments: Enrollments;
  enrollmentWatch: EnrollmentWatch;
  /** Expires pending enrollments and wipes unclaimed keys on a timer; close it before the database. */
  enrollmentExpiry: EnrollmentExpiry;
  orgSettings: OrgSettingsEditor;
  shares: Shares;
  /** Keys the console's CSRF tokens (src/web/console). */
  consoleCsrfKey: Buffer;
  /** Sends mail through SMTP, or keeps it in the development outbox; close it before the database. */
  mailer: Mailer;
  /** The Intents API: the configured chains, agents' signing keys, and their transactions. */
  chains: Chains;
  signingKeys: SigningKeys;
  /** What an agent's active signing key holds on a configured chain, asked of its node. */
  keyBalances: KeyBalances;
  transactions: Transactions;
  /** Tried in order by the authn interceptor for every bearer credential. */
  verifiers: CredentialVerifier[];
  publicUrl: string;
}

export async function openServices(parts: { config: Config; database: Database; bus: EventBus; logger: Logger }): Promise<AppServices> {
  const { config, database, bus, logger } = parts;
  const masterKey = loadMasterKey({ envValue: config.masterKey, dataDir: config.dataDir, embedded: database.kind === "embedded", logger });
  const keyring = await Keyring.open(database.dataSource, masterKey);
  await followKekRotations({ bus, keyring, logger });
  const jwtKeys = await JwtKeys.open(database.dataSource, keyring, { issuer: config.publicUrl });
  const auditKey = deriveKey(masterKey, "audit chain");
  const auditSequencer = new AuditSequencer({ dataSource: database.dataSource, bus, hmacKey: auditKey, logger });
  auditSequencer.start();
  const audit = new AuditLog(auditSequencer);
  const sessionStanding = new SessionStanding({ dataSource: database.dataSource, bus, logger });
  await sessionStanding.start();
  const sessions = new Sessions(jwtKeys, deriveKey(masterKey, "refresh-token pepper"), sessionStanding);
  const accounts = new Accounts(database.dataSource, sessions, audit);
  const members = new Members(database.dataSource, audit, sessionStanding);
  const ipRuleGate = new IpRuleGate({ dataSource: database.dataSource, bus, listen: database.listen, logger });
  await ipRuleGate.start();
  const apiKeyPepper = deriveKey(masterKey, "api-key pepper");
  const apiKeys = new PersonalApiKeys(database.dataSource, jwtKeys, audit, apiKeyPepper);
  const vaultCache = new VaultCache({ dataSource: database.dataSource, bus, logger });
  await vaultCache.start();
  const vaults = new Vaults(database.dataSource, vaultCache, audit);
  const secrets = new Secrets(database.dataSource, vaults, keyring, audit);
  const agentStanding = new AgentStanding({ dataSource: database.dataSource, bus, logger });
  await agentStanding.start();
  const agentTokens = new AgentTokens(database.dataSource, jwtKeys, audit, apiKeyPepper, agentStanding);
  const fleetTokens = new FleetTokens({ tokens: agentTokens, standing: agentStanding, bus, logger }, { slowReaderMs: config.fleetSlowReaderMs });
  await fleetTokens.start();
  const mailer = new Mailer({ dataSource: database.dataSource, keyring, logger, smtpUrl: config.smtpUrl, from: config.mailFrom });
  await mailer.start();
  const agents = new Agents(database.dataSource, secrets, audit, apiKeyPepper, agentStanding);
  // Policies name members and agents: the identity and agents stores say who those are.
  const policies = new Policies(database.dataSource, vaults, vaultCache, audit, { isMember, isLiveAgent, orgPrincipals });
  const enrollments = new Enrollments({
    dataSource: database.dataSource,
    accounts,
    agents,
    policies,
    audit,
    bus,
    keyring,
    mail: mailer,
    pepper: apiKeyPepper,
    publicUrl: config.publicUrl,
    maxPendingLinkOnly: config.maxPendingLinkEnrollments,
  });
  const chains = new Chains(config.chains);
  const signingKeys = new SigningKeys(database.dataSource, agents, secrets, audit);
  const evm = new EvmClients({ timeoutMs: config.chainRpcTimeoutMs });
  const transactions = new Transactions(database.dataSource, agents, chains, signingKeys, evm, audit);
  const shares = new Shares({ dataSource: database.dataSource, secrets, accounts, agents, audit, mail: mailer, ipRules: ipRuleGate, publicUrl: config.publicUrl });
  const enrollmentExpiry = new EnrollmentExpiry({ dataSource: database.dataSource, bus, audit, logger });
  enrollmentExpiry.start();
  const verifiers = [apiKeys, new AccessTokenVerifier(jwtKeys, { user: new UserTokens(apiKeys, sessionStanding), agent: agentTokens })];
  const auditQuery = new AuditQuery(database.dataSource, auditSequencer);
  return {
    keyring,
    jwtKeys,
    audit,
    auditSequencer,
    accounts,
    apiKeys,
    members,
    auditQuery,
    agentActivity: (orgId, agentIds) => auditQuery.lastAgentActivity(orgId, agentIds),
    auditVerifier: new AuditVerifier(database.dataSource, auditKey, auditSequencer),
    auditWatch: new AuditWatch(database.dataSource, bus),
    ipRules: new IpRules(database.dataSource, audit, bus, ipRuleGate),
    ipRuleGate,
    vaults,
    secrets,
    agents,
    agentTokens,
    fleetTokens,
    policies,
    enrollments,
    enrollmentWatch: new EnrollmentWatch(bus),
    enrollmentExpiry,
    orgSettings: new OrgSettingsEditor(database.dataSource, audit),
    shares,
    mailer,
    consoleCsrfKey: deriveKey(masterKey, "console csrf"),
    chains,
    signingKeys,
    keyBalances: new KeyBalances(signingKeys, chains, evm),
    transactions,
    verifiers,
    publicUrl: config.publicUrl,
  };
}

/** Every member and every agent that can act now, as the principals they act as (for CheckPathAccess). */
const orgPrincipals: PolicyPrincipals["orgPrincipals"] = async (q, orgId) => {
  const [members, agents] = await Promise.all([membersOfOrg(q, orgId), liveAgentsOfOrg(q, orgId)]);
  const now = Date.now();
  return [
    ...members.map((member) => ({ principal: { type: "user" as const, id: member.id, orgId, role: member.role }, displayName: member.email })),
    ...agents.filter((agent) => mayAct(agent, now)).map((agent) => ({ principal: agentPrincipal(agent), displayName: agent.name })),
  ];
};
