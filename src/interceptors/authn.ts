// Enforces each method's clawkeep.v1.access option. Public methods never fail because of a
// credential (a valid one is still resolved, e.g. to identify a share's recipient); every other
// method needs a bearer credential that one of the verifiers accepts, of the right kind.
import type { DescMethod } from "@bufbuild/protobuf";
import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { verifyCredential, type CredentialVerifier, type Principal } from "../domain/identity/principal.js";
import { peerAddressKey } from "../server/context.js";
import { Access, accessOf } from "../server/method-options.js";

export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "authenticated caller" });

/**
 * A further check on the authenticated caller of a non-public method and its client address (the
 * organisation's IP rules); it throws to refuse the call.
 */
export type CallerCheck = (principal: Principal, clientAddress: string) => Promise<void>;

export function authnInterceptor(verifiers: CredentialVerifier[], checkCaller?: CallerCheck): Interceptor {
  const verify = (credential: string) => verifyCredential(verifiers, credential);
  return (next) => async (req) => {
    const credential = bearerCredential(req.header.get("authorization"));
    if (isPublic(req.method)) {
      if (credential) {
        // A bad credential on a public route is ignored, never a 401 (rest-surface.md).
        const principal = await verify(credential).catch((error: unknown) => {
          if (error instanceof DomainError) return undefined;
          throw error;
        });
        if (principal) req.contextValues.set(principalKey, principal);
      }
      return next(req);
    }
    if (!credential) {
      throw new DomainError("unauthenticated", "this call needs a credential: send Authorization: Bearer <token>");
    }
    const principal = await verify(credential);
    if (!principal) throw new DomainError("unauthenticated", "the bearer credential is invalid, expired or revoked");
    const access = accessOf(req.method);
    if (access === Access.HUMAN && principal.type !== "user") {
      throw new DomainError("permission_denied", `${req.method.name} is for humans; agents cannot call it`);
    }
    if (access === Access.AGENT && principal.type !== "agent") {
      throw new DomainError("permission_denied", `${req.method.name} is for agents; use an agent token`);
    }
    await checkCaller?.(principal, req.contextValues.get(peerAddressKey));
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}

/** Our methods declare access; the standard gRPC services (health, reflection) are public. */
function isPublic(method: DescMethod): boolean {
  const access = accessOf(method);
  return access === Access.PUBLIC || (access === Access.UNSPECIFIED && method.parent.typeName.startsWith("grpc."));
}

function bearerCredential(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
