// google.api.http path templates compiled to matchers.
//
// Grammar (AIP-127): segments separated by "/", each a literal, "*" (one segment), "**" (one or
// more segments) or a variable "{field}" / "{field=pattern}", plus an optional ":verb" suffix.
// Unlike the strict grammar we allow segments after "**" (1Claw's
// /secret-version/{path=**}/{version}); the regex backtracks so the last segments bind first.

export interface RouteVariable {
  /** Dotted field path in the request message, e.g. "vault_id". */
  fieldPath: string;
  /** True when the variable may span several segments ("**"). */
  multiSegment: boolean;
}

export interface RouteTemplate {
  source: string;
  regex: RegExp;
  variables: RouteVariable[];
  /** Literal segments; more literals make a route more specific ("/agents/me" beats "/agents/{id}"). */
  literalCount: number;
  /** Multi-segment wildcards; fewer make a route more specific. */
  wildcardCount: number;
}

export class RouteTemplateError extends Error {
  override name = "RouteTemplateError";
}

export function compileTemplate(source: string): RouteTemplate {
  if (!source.startsWith("/")) throw new RouteTemplateError(`template "${source}" must start with "/"`);
  let rest = source.slice(1);
  let verb = "";
  const verbAt = lastColonOutsideBraces(rest);
  if (verbAt >= 0) {
    verb = rest.slice(verbAt + 1);
    rest = rest.slice(0, verbAt);
  }
  const variables: RouteVariable[] = [];
  let literalCount = 0;
  let wildcardCount = 0;
  const parts: string[] = [];
  for (const token of tokenize(rest, source)) {
    if (token.kind === "literal") {
      literalCount++;
      parts.push(escapeRegex(token.text));
      continue;
    }
    if (token.kind === "wildcard") {
      if (token.text === "**") wildcardCount++;
      parts.push(token.text === "**" ? ".+" : "[^/]+");
      continue;
    }
    const pattern = token.pattern ?? "*";
    const segments = pattern.split("/");
    const multiSegment = segments.includes("**");
    if (multiSegment) wildcardCount++;
    literalCount += segments.filter((s) => s !== "*" && s !== "**").length;
    const inner = segments.map((s) => (s === "**" ? ".+" : s === "*" ? "[^/]+" : escapeRegex(s))).join("/");
    variables.push({ fieldPath: token.field, multiSegment });
    parts.push(`(${inner})`);
  }
  const regex = new RegExp(`^/${parts.join("/")}${verb ? ":" + escapeRegex(verb) : ""}$`);
  return { source, regex, variables, literalCount, wildcardCount };
}

/** Matches a raw (still percent-encoded) URL path; returns decoded variable values or undefined. */
export function matchTemplate(template: RouteTemplate, rawPath: string): Map<string, string> | undefined {
  const match = template.regex.exec(rawPath);
  if (!match) return undefined;
  const values = new Map<string, string>();
  template.variables.forEach((variable, i) => {
    const raw = match[i + 1];
    values.set(variable.fieldPath, raw.split("/").map(decodeSegment).join("/"));
  });
  return values;
}

/** Orders templates most specific first, so literal routes win over variables that would also match. */
export function compareSpecificity(a: RouteTemplate, b: RouteTemplate): number {
  return b.literalCount - a.literalCount || a.wildcardCount - b.wildcardCount || a.source.localeCompare(b.source);
}

export class PathDecodeError extends Error {
  override name = "PathDecodeError";
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new PathDecodeError(`the URL path segment "${segment}" is not valid percent-encoding`);
  }
}

type Token =
  | { kind: "literal"; text: string }
  | { kind: "wildcard"; text: "*" | "**" }
  | { kind: "variable"; field: string; pattern?: string };

function* tokenize(path: string, source: string): Generator<Token> {
  let i = 0;
  while (i < path.length) {
    if (path[i] === "{") {
      const close = path.indexOf("}", i);
      if (close < 0) throw new RouteTemplateError(`template "${source}" has an unclosed "{"`);
      const body = path.slice(i + 1, close);
      const eq = body.indexOf("=");
      const field = eq < 0 ? body : body.slice(0, eq);
      if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/.test(field)) {
        throw new RouteTemplateError(`template "${source}" has an invalid variable name "${field}"`);
      }
      yield eq < 0 ? { kind: "variable", field } : { kind: "variable", field, pattern: body.slice(eq + 1) };
      i = close + 1;
    } else {
      const end = path.indexOf("/", i);
      const text = path.slice(i, end < 0 ? path.length : end);
      if (text === "") throw new RouteTemplateError(`template "${source}" has an empty segment`);
      yield text === "*" || text === "**" ? { kind: "wildcard", text } : { kind: "literal", text };
      i += text.length;
    }
    if (i < path.length) {
      if (path[i] !== "/") throw new RouteTemplateError(`template "${source}" needs "/" between segments`);
      i++;
      if (i === path.length) throw new RouteTemplateError(`template "${source}" ends with "/"`);
    }
  }
}

function lastColonOutsideBraces(path: string): number {
  let depth = 0;
  for (let i = path.length - 1; i >= 0; i--) {
    if (path[i] === "}") depth++;
    else if (path[i] === "{") depth--;
    else if (path[i] === ":" && depth === 0) return i;
    else if (path[i] === "/" && depth === 0) return -1;
  }
  return -1;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
