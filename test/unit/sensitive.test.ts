// One list of sensitive field names, and what derives from it: the logger censors them at any
// depth (and only them), the audit log refuses them in details, REST refuses them in URLs.
import { describe, expect, it } from "vitest";
import { createLogger, redactSensitive } from "../../src/logger.js";
import { fieldName, isSensitiveField, SENSITIVE_FIELDS, SENT_IN_URLS } from "../../src/sensitive.js";
import { buildRequestJson, RestRequestError } from "../../src/server/rest/request-json.js";
import { GetEnrollmentRequestSchema } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { LoginRequestSchema } from "../../gen/ts/clawkeep/v1/auth_pb.js";

describe("sensitive field names", () => {
  it("match whatever the spelling", () => {
    expect(fieldName("apiKey")).toBe("api_key");
    expect(fieldName("newPassword")).toBe("new_password");
    for (const name of ["api_key", "apiKey", "API_KEY", "refreshToken", "claim_token", "Authorization", "value"]) expect(isSensitiveField(name), name).toBe(true);
    for (const name of ["key_prefix", "vault_id", "token_type", "expires_in", "values", "tokens"]) expect(isSensitiveField(name), name).toBe(false);
  });

  it("are censored in log lines at any depth, leaving everything else and the logged object alone", () => {
    const logged = { user: { credentials: [{ apiKey: "ocv_secret", note: "kept" }], nested: { deeper: { new_password: "hunter2" } } }, vault_id: "v1" };
    const snapshot = JSON.stringify(logged);
    expect(redactSensitive(logged)).toEqual({
      user: { credentials: [{ apiKey: "[redacted]", note: "kept" }], nested: { deeper: { new_password: "[redacted]" } } },
      vault_id: "v1",
    });
    expect(JSON.stringify(logged)).toBe(snapshot);
    const plain = { rpc: "x", code: "ok" };
    expect(redactSensitive(plain)).toBe(plain);
  });

  it("keeps an error's message and stack when it censors one of its fields", () => {
    const error = Object.assign(new Error("boom"), { parameters: { passphrase: "p" } });
    const redacted = redactSensitive(error) as Error & { parameters: unknown };
    expect(redacted).toBeInstanceOf(Error);
    expect(redacted.message).toBe("boom");
    expect(redacted.stack).toBe(error.stack);
    expect(redacted.parameters).toBe("[redacted]"); // a statement's values are never logged, whatever their names
  });

  it("never reach the server's log output, however deep", () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
    logger.info({ request: { body: { secret: { value: "sk-live-1" }, refresh_token: "ckr_2" } }, items: [{ signed_tx: "0xdead" }] }, "a line");
    const line = lines.join("");
    for (const leaked of ["sk-live-1", "ckr_2", "0xdead"]) expect(line).not.toContain(leaked);
    expect(JSON.parse(line)).toMatchObject({ msg: "a line", request: { body: { secret: "[redacted]", refresh_token: "[redacted]" } }, items: [{ signed_tx: "[redacted]" }] });
  });

  it("are refused in REST query strings, except the approval token the approval link carries", () => {
    expect(() => buildRequestJson(LoginRequestSchema, "", undefined, new URLSearchParams({ password: "x" }), new Map())).toThrow(RestRequestError);
    expect(() => buildRequestJson(LoginRequestSchema, "", undefined, new URLSearchParams({ apiKey: "x" }), new Map())).toThrow(/must not be sent in the URL/);
    expect(buildRequestJson(GetEnrollmentRequestSchema, "", undefined, new URLSearchParams({ approval_token: "t" }), new Map())).toMatchObject({ approval_token: "t" });
    expect([...SENT_IN_URLS].every((name) => (SENSITIVE_FIELDS as readonly string[]).includes(name))).toBe(true);
  });
});
