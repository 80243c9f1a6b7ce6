// A plain-HTTP REST caller for end-to-end tests, sending what the official clients send
// (JSON content type on every request, Bearer token), plus signing a person up.
import { PASSWORD, uniqueEmail } from "./people.js";

export interface RestPerson {
  id: string;
  email: string;
  token: string;
}

export type RestCall = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;

export function restCaller(baseUrl: string): RestCall {
  return (method, path, token, body, headers = {}) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** Signs up (a new organisation, or the one that invited `email`) and returns the signed-in person. */
export async function restSignup(call: RestCall, email = uniqueEmail()): Promise<RestPerson> {
  const signup = await call("POST", "/v1/auth/signup", undefined, { email, password: PASSWORD });
  if (signup.status !== 200) throw new Error(`signup answered ${signup.status}: ${await signup.text()}`);
  const { access_token: token } = (await signup.json()) as { access_token: string };
  const me = (await (await call("GET", "/v1/auth/me", token)).json()) as { id: string };
  return { id: me.id, email, token };
}
