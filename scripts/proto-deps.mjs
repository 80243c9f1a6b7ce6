// Copies the third-party .proto files our contract imports out of their npm packages into
// build/proto-deps, so buf can compile against them without our tree holding copies.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const packageRoot = (name) => dirname(require.resolve(`${name}/package.json`));
const out = "build/proto-deps";

// [npm package, path inside it, canonical import path]
const files = [
  ["google-proto-files", "google/api/annotations.proto", "google/api/annotations.proto"],
  ["google-proto-files", "google/api/http.proto", "google/api/http.proto"],
  ["grpc-health-check", "proto/health/v1/health.proto", "grpc/health/v1/health.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1/reflection.proto", "grpc/reflection/v1/reflection.proto"],
  // v1alpha is what grpcurl and older tools still ask for.
  ["@grpc/reflection", "build/proto/grpc/reflection/v1alpha/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"],
];

rmSync(out, { recursive: true, force: true });
for (const [pkg, from, to] of files) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(join(packageRoot(pkg), from), join(out, to));
}
