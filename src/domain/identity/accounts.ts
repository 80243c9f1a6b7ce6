// Human accounts: sign-up (with a new organisation, or into the one that invited the email),
// sign-in, and the caller's own profile. Every change commits with its audit event.
import type { DataSource, EntityManager } from "typeorm";
import { burnPasswordCheck, checkPasswordPolicy, hashPassword, verifyPassword } from "../../crypto/passwords.js";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { acceptInvitation, accountByEmail, accountById, insertMembership, insertOrg, insertUser, setPasswordHash, updateUserProfile, type AccountRow } from "./identity-store.js";
import { LoginLimiter } from "./login-limiter.js";
import type { OrgRole, Principal } from "./principal.js";
import { ACCESS_TOKEN_TTL_SECONDS, type IssuedTokens, type Sessions } from "./sessions.js";
import { canonicalEmail, checkDisplayName, normalizeEmail } from "./validation.js";

export interface Profile {
  id: string;
  email: string;
  displayName: string;
  role: OrgRole;
  orgId: string;
  marketingEmails: boolean;
  createdAt: Date;
}

export interface SignupResult {
  email: string;
  tokens: IssuedTokens;
  /** True when the email had a pending invitation and joined that organisation. */
  joinedInvitingOrg: boolean;
}

/**
 * Work another module does inside the sign-up transaction (sharing claims the external_email
 * shares waiting for the new address). A hook that throws fails the sign-up.
 */
export type SignupHook = (manager: EntityManager, user: { id: string; email: string; orgId: string }, ip: string) => Promise<void>;

export class Accounts {
  private readonly signupHooks: SignupHook[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: Sessions,
    private readonly audit: AuditLog,
    private readonly limiter: LoginLimiter = new LoginLimiter(),
  ) {}

  onSignup(hook: SignupHook): void {
    this.signupHooks.push(hook);
  }

  async signup(input: { email: string; password: string; displayName: string; ip: string }): Promise<SignupResult> {
    const email = normalizeEmail(input.email);
    const policyProblem = checkPasswordPolicy(input.password);
    if (policyProblem) throw new DomainError("invalid_argument", policyProblem);
    const displayName = checkDisplayName(input.displayName);
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const userId = await insertUser(manager, { email, passwordHash, displayName });
        const invitation = await this.takeInvitation(manager, email);
        let orgId: string;
        let role: OrgRole;
        if (invitation) {
          ({ orgId, role } = invitation);
        } else {
          orgId = await insertOrg(manager, `${displayName || email.split("@")[0]}'s organisation`);
          role = "owner";
        }
        await insertMembership(manager, { userId, orgId, role });
        const actor = { type: "user" as const, id: userId };
        if (!invitation) await this.audit.append(manager, { orgId, actor, action: "org.create", resource: { type: "org", id: orgId }, ip: input.ip });
        await this.audit.append(manager, {
          orgId,
          actor,
          action: "user.signup",
          resource: { type: "user", id: userId },
          details: { email, role, ...(invitation ? { invitation_id: invitation.id } : {}) },
          ip: input.ip,
        });
        for (const hook of this.signupHooks) await hook(manager, { id: userId, email, orgId }, input.ip);
        const tokens = await this.sessions.start(manager, { userId, orgId, role });
        return { email, tokens, joinedInvitingOrg: Boolean(invitation) };
      });
    } catch (error) {
      if ((error as { code?: string }).code === "23505") throw new DomainError("conflict", "an account with this email already exists");
      throw error;
    }
  }

  async login(input: { email: string; password: string; ip: string }): Promise<IssuedTokens> {
    // Looked up as given (canonicalised, not validated): a malformed email is just unknown.
    const email = canonicalEmail(input.email);
    const wait = this.limiter.retryAfter(email, input.ip);
    if (wait > 0) throw new DomainError("rate_limited", `too many failed sign-ins; retry in ${wait} s`, { retryAfterSeconds: wait });
    const user = await accountByEmail(this.dataSource.manager, email);
    // An unknown email costs the same password check as a wrong password, so timing tells nothing.
    const ok = user ? await verifyPassword(user.password_hash, input.password) : (await burnPasswordCheck(input.password), false);
    if (!user || !ok) {
      this.limiter.recordFailure(email, input.ip);
      if (user) {
        await this.dataSource.transaction((manager) =>
          this.audit.append(manager, { orgId: user.org_id, actor: { type: "user", id: user.id }, action: "user.login_failed", resource: { type: "user", id: user.id }, ip: input.ip }),
        );
      }
      throw new DomainError("unauthenticated", "email or password is incorrect");
    }
    this.limiter.recordSuccess(email);
    return this.dataSource.transaction(async (manager) => {
      await this.audit.append(manager, { orgId: user.org_id, actor: { type: "user", id: user.id }, action: "user.login", resource: { type: "user", id: user.id }, ip: input.ip });
      return this.sessions.start(manager, { userId: user.id, orgId: user.org_id, role: user.role });
    });
  }

  /** Rotates a refresh token into a new access and refresh token. */
  async refresh(refreshToken: string, ip: string): Promise<IssuedTokens> {
    return this.sessions.rotate(this.dataSource, refreshToken, (manager, session) =>
      this.audit.append(manager, {
        orgId: session.org_id,
        actor: { type: "user", id: session.user_id },
        action: "session.refresh_token_reused",
        resource: { type: "session", id: session.id },
        details: { family_id: session.family_id },
        ip,
      }),
    );
  }

  /** A fresh access token for the session the caller's access token belongs to (no rotation). */
  async refreshAccess(principal: Principal): Promise<{ accessToken: string; expiresIn: number }> {
    if (principal.type !== "user" || !principal.sessionId || !principal.role) {
      throw new DomainError("unauthenticated", "send a refresh_token, or call with a valid Bearer access token of a sign-in session");
    }
    const accessToken = await this.sessions.accessToken({ userId: principal.id, orgId: principal.orgId, role: principal.role }, principal.sessionId);
    return { accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** Ends the caller's own session: its access and refresh tokens stop working at once. */
  async signOut(principal: Principal, ip: string): Promise<void> {
    const sessionId = principal.sessionId;
    if (principal.type !== "user" || !sessionId) {
      throw new DomainError("invalid_argument", "this credential is not a sign-in session; revoke a personal API key with DELETE /v1/auth/api-keys/{key_id}");
    }
    await this.dataSource.transaction(async (manager) => {
      await this.sessions.revoke(manager, { sessionId }, principal.orgId);
      await this.audit.append(manager, { orgId: principal.orgId, actor: { type: "user", id: principal.id }, action: "session.revoke", resource: { type: "session", id: sessionId }, ip });
    });
  }

  /** Changes the caller's password and ends every other session of theirs. */
  async changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }, ip: string): Promise<void> {
    const user = await accountById(this.dataSource.manager, principal.id);
    if (!user) throw new DomainError("unauthenticated", "this account no longer exists");
    if (!(await verifyPassword(user.password_hash, input.currentPassword))) throw new DomainError("invalid_argument", "current_password is incorrect");
    const problem = checkPasswordPolicy(input.newPassword);
    if (problem) throw new DomainError("invalid_argument", problem);
    if (input.newPassword === input.currentPassword) throw new DomainError("invalid_argument", "new_password must differ from current_password");
    const passwordHash = await hashPassword(input.newPassword);
    await this.dataSource.transaction(async (manager) => {
      await setPasswordHash(manager, principal.id, passwordHash);
      const ended = await this.sessions.revoke(manager, { userId: principal.id, keep: principal.sessionId }, principal.orgId);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "user.password_change",
        resource: { type: "user", id: principal.id },
        details: { other_sessions_revoked: ended },
        ip,
      });
    });
  }

  /** The caller's own profile; read through `manager` when the caller is inside a transaction. */
  async profile(principal: Principal, manager: EntityManager = this.dataSource.manager): Promise<Profile> {
    const user = await accountById(manager, principal.id);
    if (!user) throw new DomainError("unauthenticated", "this account no longer exists");
    return toProfile(user);
  }

  /**
   * A user as the principal they act as (organisation and current role), read through the
   * caller's transaction; undefined once the account or its membership is gone.
   */
  async memberPrincipal(manager: EntityManager, userId: string): Promise<Principal | undefined> {
    const user = await accountById(manager, userId);
    return user ? { type: "user", id: user.id, orgId: user.org_id, role: user.role } : undefined;
  }

  /** The account with this id, if it still exists; read through the caller's transaction. */
  async profileById(manager: EntityManager, userId: string): Promise<Profile | undefined> {
    const user = await accountById(manager, userId);
    return user ? toProfile(user) : undefined;
  }

  /** The account with this email (canonicalised), if any; read through the caller's transaction. */
  async profileByEmail(manager: EntityManager, email: string): Promise<Profile | undefined> {
    const user = await accountByEmail(manager, canonicalEmail(email));
    return user ? toProfile(user) : undefined;
  }

  async updateProfile(principal: Principal, changes: { displayName?: string; marketingEmails?: boolean }, ip: string): Promise<Profile> {
    const displayName = changes.displayName === undefined ? undefined : checkDisplayName(changes.displayName);
    return this.dataSource.transaction(async (manager) => {
      await updateUserProfile(manager, principal.id, { displayName: displayName ?? null, marketingEmails: changes.marketingEmails ?? null });
      const changed = Object.keys(changes).filter((k) => changes[k as keyof typeof changes] !== undefined);
      await this.audit.append(manager, { orgId: principal.orgId, actor: { type: "user", id: principal.id }, action: "user.update", resource: { type: "user", id: principal.id }, details: { changed }, ip });
      const user = await accountById(manager, principal.id);
      if (!user) throw new DomainError("unauthenticated", "this account no longer exists");
      return toProfile(user);
    });
  }

  private async takeInvitation(manager: EntityManager, email: string): Promise<{ id: string; orgId: string; role: OrgRole } | undefined> {
    const row = await acceptInvitation(manager, email);
    return row ? { id: row.id, orgId: row.org_id, role: row.role } : undefined;
  }
}

function toProfile(row: AccountRow): Profile {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    orgId: row.org_id,
    marketingEmails: row.marketing_emails,
    createdAt: new Date(row.created_at),
  };
}
