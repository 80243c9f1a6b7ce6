// What handlers read from a call's context: the authenticated caller and the client address.
import type { HandlerContext } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import type { Principal } from "../domain/identity/principal.js";
import { principalKey } from "../interceptors/authn.js";
import { peerAddressKey, shutdownSignalKey } from "../server/context.js";

/** The caller of a non-public method; the authn interceptor guarantees one is set. */
export function principalOf(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(principalKey);
  if (!principal) throw new DomainError("unauthenticated", "this call needs a credential: send Authorization: Bearer <token>");
  return principal;
}

/** The caller of a public method when it sent a valid credential (e.g. a share's recipient). */
export function callerIfAny(ctx: HandlerContext): Principal | undefined {
  return ctx.values.get(principalKey);
}

export function clientAddress(ctx: HandlerContext): string {
  return ctx.values.get(peerAddressKey);
}

/** Ends a stream (cleanly, status OK) when the client goes away or the server shuts down. */
export function streamSignal(ctx: HandlerContext): AbortSignal {
  return AbortSignal.any([ctx.signal, ctx.values.get(shutdownSignalKey)]);
}
