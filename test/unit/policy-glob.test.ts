// Secret-path globs: which patterns are accepted, and exactly which paths each one covers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { matchesPattern, validatePattern } from "../../src/domain/vaults/policy/glob.js";

function rejection(pattern: string): DomainError {
  try {
    validatePattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error(`expected validatePattern to reject ${JSON.stringify(pattern)}`);
}

describe("validatePattern", () => {
  it.each([
    "**",
    "*",
    "a",
    "prod/db",
    "api-keys/**",
    "api-keys/*",
    "**/prod",
    "a/**/z",
    "*/*",
    "**/**",
    "A.b_c-9/config.json",
    "openai-*",
    "*-key",
    "db-*-key",
    "*a*",
    "...",
    ".hidden",
    "a".repeat(512),
    `${"ab/".repeat(170)}ab`,
  ])("accepts %j", (pattern) => {
    expect(() => validatePattern(pattern)).not.toThrow();
  });

  it.each([
    { pattern: "", says: "must not be empty" },
    { pattern: "a".repeat(513), says: "513 characters long; the limit is 512" },
    { pattern: "/a", says: 'starts with "/"' },
    { pattern: "/", says: 'starts with "/"' },
    { pattern: "a/", says: 'ends with "/"' },
    { pattern: "a//b", says: 'empty segment ("//")' },
    { pattern: ".", says: 'has a "." segment' },
    { pattern: "..", says: 'has a ".." segment' },
    { pattern: "a/../b", says: 'has a ".." segment' },
    { pattern: "a/./b", says: 'has a "." segment' },
    { pattern: "a b", says: 'contains " "' },
    { pattern: "a/b?c", says: 'contains "?"' },
    { pattern: "[ab]", says: 'contains "["' },
    { pattern: "{a,b}", says: 'contains "{"' },
    { pattern: "a\\b", says: 'contains "\\\\"' },
    { pattern: "a%2Fb", says: 'contains "%"' },
    { pattern: "schlüssel", says: 'contains "ü"' },
    { pattern: "a\nb", says: 'contains "\\n"' },
    { pattern: "a**", says: '"**" must be a whole segment' },
    { pattern: "**b", says: '"**" must be a whole segment' },
    { pattern: "a/***", says: '"**" must be a whole segment' },
    { pattern: "x/a**b/y", says: 'inside the segment "a**b"' },
  ])("rejects $pattern: $says", ({ pattern, says }) => {
    const error = rejection(pattern);
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toContain("secret_path_pattern");
    expect(error.detail).toContain(says);
  });

  it("rejects a value that is not a string", () => {
    expect(rejection(42 as unknown as string).detail).toBe("secret_path_pattern must be a string");
  });

  it("keeps a long pattern out of the message", () => {
    expect(rejection(`${"a".repeat(600)} `).detail.length).toBeLessThan(200);
  });
});

interface MatchCase {
  pattern: string;
  matches: string[];
  misses: string[];
}

describe("matchesPattern", () => {
  const cases: MatchCase[] = [
    { pattern: "prod/db", matches: ["prod/db"], misses: ["prod", "prod/db/x", "x/prod/db", "Prod/db", "prod/DB", "prod/dbx", "prod/d"] },
    { pattern: "config.json", matches: ["config.json"], misses: ["configxjson", "config.jsonx"] },
    { pattern: "*", matches: ["a", "api-keys", "x.y"], misses: ["a/b", "a/b/c"] },
    { pattern: "api-keys/*", matches: ["api-keys/openai", "api-keys/x"], misses: ["api-keys", "api-keys/a/b", "other/openai", "api-keysx/openai"] },
    { pattern: "*/db", matches: ["prod/db", "x/db"], misses: ["db", "a/b/db", "prod/db/x"] },
    { pattern: "*/*", matches: ["a/b"], misses: ["a", "a/b/c"] },
    { pattern: "**", matches: ["a", "a/b", "a/b/c/d/e/f/g"], misses: [] },
    { pattern: "**/**", matches: ["a", "a/b/c"], misses: [] },
    { pattern: "api-keys/**", matches: ["api-keys", "api-keys/openai", "api-keys/a/b"], misses: ["api-keysx", "other/api-keys", "x/api-keys/a", "api-key"] },
    { pattern: "**/db", matches: ["db", "a/db", "a/b/db"], misses: ["db/a", "dbx", "a/xdb"] },
    { pattern: "a/**/z", matches: ["a/z", "a/b/z", "a/b/c/z", "a/z/z"], misses: ["a", "z", "a/z/b", "b/a/z", "a/b"] },
    { pattern: "*/**", matches: ["a", "a/b", "a/b/c"], misses: [] },
    { pattern: "**/*", matches: ["a", "a/b", "a/b/c"], misses: [] },
    { pattern: "*/**/*", matches: ["a/b", "a/b/c"], misses: ["a"] },
    { pattern: "a/**/b/**/c", matches: ["a/b/c", "a/x/b/y/c", "a/b/b/c/c"], misses: ["a/c", "a/b", "a/c/b"] },
    // Partial-segment `*`: any run of characters inside one segment, never across `/`.
    { pattern: "openai-*", matches: ["openai-", "openai-prod", "openai-a.b"], misses: ["openai", "openai-prod/x", "x-openai-prod", "Openai-prod"] },
    { pattern: "*-key", matches: ["-key", "db-key", "a-b-key"], misses: ["key", "db-key/x", "db-keys"] },
    { pattern: "db-*-key", matches: ["db--key", "db-a-key", "db-a-b-key"], misses: ["db-key", "db-a-keyx", "db-a/b-key"] },
    { pattern: "a*a", matches: ["aa", "aba", "aaa"], misses: ["a", "ab", "ba"] },
    { pattern: "*a*", matches: ["a", "bab", "aa"], misses: ["b", "bb"] },
    { pattern: "a*b*c", matches: ["abc", "aXbYc", "abbc", "acbc"], misses: ["ac", "acb", "abcx"] },
    { pattern: "api-*/**", matches: ["api-", "api-keys", "api-keys/a/b"], misses: ["api", "x/api-keys"] },
    { pattern: "**/prod-*", matches: ["prod-1", "a/b/prod-x"], misses: ["prod", "prod-1/a"] },
  ];

  for (const { pattern, matches, misses } of cases) {
    describe(pattern, () => {
      it("is a valid pattern", () => expect(() => validatePattern(pattern)).not.toThrow());
      it.each(matches)("covers %j", (path) => expect(matchesPattern(pattern, path)).toBe(true));
      if (misses.length > 0) it.each(misses)("does not cover %j", (path) => expect(matchesPattern(pattern, path)).toBe(false));
    });
  }

  it.each(["", "/", "a//b", "/a", "a/", "//"])("covers no malformed path, even with ** (%j)", (path) => {
    for (const pattern of ["**", "*", "*/**", "**/*", "a/**"]) expect(matchesPattern(pattern, path)).toBe(false);
  });

  it("takes paths literally: no `..` normalisation, glob characters in a path are just characters", () => {
    expect(matchesPattern("a/b", "a/x/../b")).toBe(false);
    expect(matchesPattern("a/*/b", "a/../b")).toBe(true); // the secrets module refuses such paths
    expect(matchesPattern("a/*", "a/*")).toBe(true);
    expect(matchesPattern("a/b", "a/*")).toBe(false);
  });

  it("stays fast on patterns built to make a backtracking matcher explode", () => {
    const manyStars = `${Array.from({ length: 60 }, () => "**/a").join("/")}/b`;
    expect(manyStars.length).toBeLessThanOrEqual(512);
    const deepPath = Array.from({ length: 2000 }, () => "a").join("/");
    expect(matchesPattern(manyStars, deepPath)).toBe(false);
    expect(matchesPattern(manyStars, `${deepPath}/b`)).toBe(true);

    const manyPartials = `${"*a".repeat(200)}*b`;
    expect(() => validatePattern(manyPartials)).not.toThrow();
    expect(matchesPattern(manyPartials, "a".repeat(100_000))).toBe(false);
    expect(matchesPattern(manyPartials, `${"a".repeat(100_000)}b`)).toBe(true);
  });

  it("gives the same answers when one pattern is matched many times (compiled-pattern cache)", () => {
    for (let i = 0; i < 3000; i++) {
      const pattern = `p${i % 1500}/*`;
      expect(matchesPattern(pattern, `p${i % 1500}/x`)).toBe(true);
      expect(matchesPattern(pattern, `p${(i + 1) % 1500}/x`)).toBe(false);
    }
  });
});

// ---- properties ----------------------------------------------------------------------------

const literalSegment = fc.string({ unit: fc.constantFrom("a", "b", "-", ".", "_", "Z", "9"), minLength: 1, maxLength: 4 }).filter((s) => s !== "." && s !== "..");
const pathArb = fc.array(literalSegment, { minLength: 1, maxLength: 7 }).map((segments) => segments.join("/"));
const wildcardSegment = fc.string({ unit: fc.constantFrom("a", "b", "*"), minLength: 1, maxLength: 5 }).filter((s) => !s.includes("**"));
const patternSegment = fc.oneof(literalSegment, fc.constant("*"), fc.constant("**"), wildcardSegment);
const patternArb = fc.array(patternSegment, { minLength: 1, maxLength: 6 }).map((segments) => segments.join("/"));
// Paths drawn from the letters patterns use, so that random pairs match often enough to matter.
const nearPathArb = fc
  .array(fc.string({ unit: fc.constantFrom("a", "b"), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 7 })
  .map((segments) => segments.join("/"));

/** An independent reading of the rules as a regular expression over "/" + path. */
function referenceRegex(pattern: string): RegExp {
  const body = pattern
    .split("/")
    .map((segment) => {
      if (segment === "**") return "(?:/[^/]+)*";
      const escaped = segment.replace(/[.*+?^${}()|[\]\\-]/g, (ch) => (ch === "*" ? "*" : `\\${ch}`));
      return `/${escaped.replace(/\*/g, "[^/]*")}`;
    })
    .join("");
  return new RegExp(`^${body}$`);
}

describe("matchesPattern properties", () => {
  it("every generated pattern is valid", () => {
    fc.assert(fc.property(patternArb, (pattern) => validatePattern(pattern)));
  });

  it("** covers every valid path", () => {
    fc.assert(fc.property(pathArb, (path) => matchesPattern("**", path)));
  });

  it("a literal pattern covers the path equal to it and no other", () => {
    fc.assert(
      fc.property(pathArb, pathArb, (pattern, path) => {
        validatePattern(pattern);
        expect(matchesPattern(pattern, pattern)).toBe(true);
        expect(matchesPattern(pattern, path)).toBe(pattern === path);
      }),
    );
  });

  it("prefix/** covers the prefix and everything below it, and nothing beside it", () => {
    fc.assert(
      fc.property(pathArb, fc.option(pathArb, { nil: undefined }), pathArb, (prefix, rest, other) => {
        const below = rest === undefined ? prefix : `${prefix}/${rest}`;
        expect(matchesPattern(`${prefix}/**`, below)).toBe(true);
        const isBelow = other === prefix || other.startsWith(`${prefix}/`);
        expect(matchesPattern(`${prefix}/**`, other)).toBe(isBelow);
      }),
    );
  });

  it("a pattern of n single stars covers exactly the paths of n segments", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), pathArb, (n, path) => {
        const pattern = Array.from({ length: n }, () => "*").join("/");
        expect(matchesPattern(pattern, path)).toBe(path.split("/").length === n);
      }),
    );
  });

  it("agrees with a regular-expression reference on random patterns and paths", () => {
    fc.assert(
      fc.property(patternArb, fc.oneof(pathArb, nearPathArb), (pattern, path) => {
        expect(matchesPattern(pattern, path)).toBe(referenceRegex(pattern).test(`/${path}`));
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with the reference on paths built from the pattern itself (mostly matches)", () => {
    const instantiate = (pattern: string, fill: string[]): string => {
      let k = 0;
      const next = () => fill[k++ % fill.length];
      return pattern
        .split("/")
        .flatMap((segment) => {
          if (segment === "**") return Array.from({ length: k % 3 }, next);
          return [segment.replace(/\*/g, () => next())];
        })
        .join("/");
    };
    fc.assert(
      fc.property(patternArb, fc.array(fc.constantFrom("a", "b", "ab", "ba"), { minLength: 1, maxLength: 5 }), (pattern, fill) => {
        const path = instantiate(pattern, fill);
        fc.pre(path.length > 0 && !path.split("/").includes(""));
        expect(matchesPattern(pattern, path)).toBe(referenceRegex(pattern).test(`/${path}`));
      }),
      { numRuns: 2000 },
    );
  });
});
