// RFC 7807 problem details, the only error body REST callers ever see.
import { STATUS_CODES } from "node:http";
import type { NodeServerResponse } from "../node-types.js";

export interface Problem {
  status: number;
  detail: string;
  /** A problem type other than "about:blank", e.g. "resource_limit_exceeded". */
  type?: string;
  headers?: Record<string, string>;
}

export function problemBody(problem: Problem): string {
  return JSON.stringify({
    type: problem.type || "about:blank",
    title: STATUS_CODES[problem.status] ?? "Error",
    status: problem.status,
    detail: problem.detail,
  });
}

export function writeProblem(res: NodeServerResponse, problem: Problem): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = problemBody(problem);
  // application/json rather than application/problem+json: 1Claw's clients expect it.
  res.writeHead(problem.status, {
    ...problem.headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export function writeJson(res: NodeServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}
