// Lint rules for our TypeScript; generated code and build output are not ours to lint.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["gen/**", "dist/**", "build/**", "node_modules/**", "data/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-unsafe-function-type": "off",
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  { files: ["src/cli/**", "scripts/**", "bench/**", "test/**"], rules: { "no-console": "off" } },
  {
    // SQL lives with the module that owns the table, in its *-store.ts files (src/db holds the
    // engine itself: connections, migrations, prepared statements). Elsewhere, ask the store.
    files: ["src/**/*.ts"],
    ignores: ["src/**/*-store.ts", "src/db/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='query'][arguments.0.type=/^(Literal|TemplateLiteral)$/]",
          message: "SQL belongs in the owning module's *-store.ts: add a function there and call it.",
        },
      ],
    },
  },
  {
    // The client SDK ships without the server: it speaks the contract (gen/) and nothing else.
    files: ["src/client/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)(server|domain|db)(/|$)",
              message: "src/client ships without the server: it may import gen/ and npm packages, never src/server, src/domain or src/db.",
            },
          ],
        },
      ],
    },
  },
  {
    // The console reaches data only through the API's handlers (src/web/console/rpc.ts), so every
    // access rule, audit event and limit is the API's: no database, no store, no domain service.
    files: ["src/web/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)(db/|typeorm$|pg$)|-store\\.js$|/domain/[a-z]+/(?!secret-rules|org-roles|actions|sessions)[a-z-]+\\.js$",
              message: "console pages call the API through req.rpc; they may import pure rules and vocabularies from src/domain (secret-rules, org-roles, audit actions, session lifetimes), never stores, services or the database.",
            },
          ],
        },
      ],
    },
  },
);
