// Secret-path globs for policies (`secret_path_pattern`). Patterns come from users and are
// matched on every secret request, so matching is a table walk over segments with no
// backtracking: its cost is bounded by pattern segments × path segments × segment length.
//
// Syntax (1Claw's, plus one extension):
// - segments are separated by `/`; none may be empty, `.` or `..`;
// - `**` as a whole segment matches zero or more path segments, anywhere in the pattern, so
//   `api-keys/**` matches `api-keys` itself as well as everything below it (1Claw documents
//   `**` as "zero or more segments");
// - `*` as a whole segment matches exactly one path segment;
// - extension: `*` inside a segment (`openai-*`, `*-prod`, `db-*-key`) matches any run of
//   characters, possibly empty, within that one segment; it never crosses a `/`. 1Claw only
//   documents whole-segment `*`, and every pattern it accepts means the same thing here;
// - every other character is a literal from `[A-Za-z0-9._-]`, compared case-sensitively.
import { DomainError } from "../../errors.js";

const FIELD = "secret_path_pattern";
const MAX_LENGTH = 512;
const SEGMENT = /^[A-Za-z0-9._*-]+$/;

/** Throws a 400 naming the problem unless `pattern` is a valid secret path glob. */
export function validatePattern(pattern: string): void {
  if (typeof pattern !== "string") throw new DomainError("invalid_argument", `${FIELD} must be a string`);
  if (pattern.length === 0) throw new DomainError("invalid_argument", `${FIELD} must not be empty`);
  if (pattern.length > MAX_LENGTH) {
    throw new DomainError("invalid_argument", `${FIELD} is ${pattern.length} characters long; the limit is ${MAX_LENGTH}`);
  }
  const segments = pattern.split("/");
  segments.forEach((segment, index) => {
    const where = `${FIELD} ${JSON.stringify(pattern.slice(0, 64))}`;
    if (segment === "") {
      const problem = index === 0 ? 'starts with "/"' : index === segments.length - 1 ? 'ends with "/"' : 'contains an empty segment ("//")';
      throw new DomainError("invalid_argument", `${where} ${problem}`);
    }
    if (segment === "." || segment === "..") {
      throw new DomainError("invalid_argument", `${where} has a "${segment}" segment; relative segments are not allowed`);
    }
    if (!SEGMENT.test(segment)) {
      const bad = [...segment].find((ch) => !/[A-Za-z0-9._*-]/.test(ch)) ?? "";
      throw new DomainError("invalid_argument", `${where} contains ${JSON.stringify(bad)}; segments may use only letters, digits, ".", "_", "-", "*" and "**"`);
    }
    if (segment !== "**" && segment.includes("**")) {
      throw new DomainError("invalid_argument", `${where} has "**" inside the segment ${JSON.stringify(segment.slice(0, 64))}; "**" must be a whole segment`);
    }
  });
}

type SegmentMatcher = { kind: "any-depth" } | { kind: "one" } | { kind: "literal"; text: string } | { kind: "wildcard"; parts: string[] };

function compileSegment(segment: string): SegmentMatcher {
  if (segment === "**") return { kind: "any-depth" };
  if (segment === "*") return { kind: "one" };
  if (!segment.includes("*")) return { kind: "literal", text: segment };
  return { kind: "wildcard", parts: segment.split("*") };
}

/**
 * `parts` is the segment split at each `*`: the first part must be a prefix, the last a suffix,
 * and the middle ones must appear in order. Taking the leftmost occurrence of each middle part
 * is always safe (it leaves the most room for the rest), so this never backtracks.
 */
function wildcardMatches(parts: string[], text: string): boolean {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (text.length < first.length + last.length) return false;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let position = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = text.indexOf(parts[i], position);
    if (found < 0 || found + parts[i].length > end) return false;
    position = found + parts[i].length;
  }
  return true;
}

function segmentMatches(matcher: SegmentMatcher, text: string): boolean {
  switch (matcher.kind) {
    case "one":
      return true;
    case "literal":
      return matcher.text === text;
    case "wildcard":
      return wildcardMatches(matcher.parts, text);
    case "any-depth":
      return false; // handled by the caller: it spans segments
  }
}

// Compiling is cheap but listing secrets matches one pattern against many paths; a small
// bounded cache keeps that from re-splitting the same pattern. It holds derived data only.
const compiled = new Map<string, SegmentMatcher[]>();
const CACHE_LIMIT = 1024;

function compile(pattern: string): SegmentMatcher[] {
  let matchers = compiled.get(pattern);
  if (matchers === undefined) {
    matchers = pattern.split("/").map(compileSegment);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(pattern, matchers);
  }
  return matchers;
}

/**
 * Does `pattern` (assumed valid, see validatePattern) cover `path`? A path that is empty or has
 * an empty segment is covered by nothing, so a malformed path can only ever be denied.
 */
export function matchesPattern(pattern: string, path: string): boolean {
  if (path.length === 0) return false;
  const segments = path.split("/");
  if (segments.includes("")) return false;
  const matchers = compile(pattern);

  // reach[j]: the pattern segments consumed so far can match exactly the first j path segments.
  const n = segments.length;
  let reach: boolean[] = new Array<boolean>(n + 1).fill(false);
  reach[0] = true;
  for (const matcher of matchers) {
    const next: boolean[] = new Array<boolean>(n + 1).fill(false);
    if (matcher.kind === "any-depth") {
      let seen = false;
      for (let j = 0; j <= n; j++) {
        seen = seen || reach[j];
        next[j] = seen;
      }
    } else {
      for (let j = 0; j < n; j++) {
        if (reach[j] && segmentMatches(matcher, segments[j])) next[j + 1] = true;
      }
    }
    reach = next;
    if (!reach.includes(true)) return false;
  }
  return reach[n];
}
