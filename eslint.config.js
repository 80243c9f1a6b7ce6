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
);
