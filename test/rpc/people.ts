// RPC-tier people: sign up a new organisation's owner, or a member invited into one, and hand
// back what tests need to call as them.
import { createClient, type Transport } from "@connectrpc/connect";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";

export interface Person {
  id: string;
  email: string;
  token: string;
  /** Authorization header for this person's access token. */
  headers: { authorization: string };
}

export async function signUp(transport: Transport, email = uniqueEmail()): Promise<Person> {
  const auth = createClient(AuthService, transport);
  await auth.signup({ email, password: PASSWORD });
  const { accessToken: token } = await auth.login({ email, password: PASSWORD });
  const headers = { authorization: `Bearer ${token}` };
  const { user } = await auth.getMe({}, { headers });
  return { id: user!.id, email, token, headers };
}

/** A new person in `owner`'s organisation with the given role. */
export async function invitedMember(transport: Transport, owner: Person, role: "owner" | "admin" | "member" = "member"): Promise<Person> {
  const email = uniqueEmail(role);
  await createClient(OrgService, transport).inviteMember({ email, role }, { headers: owner.headers });
  return signUp(transport, email);
}
