// The generated Go stubs compile against Debian's Go gRPC and protobuf packages (GOPATH mode,
// no module downloads), so Go agents can use gen/go as it is committed.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { probeTool } from "../support/tools.js";

const run = promisify(execFile);
const go = probeTool(["go", "version"], "apt-get install -y golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-google-genproto-dev");

describe.skipIf(!go.available)("Go stubs", () => {
  it("build with go vet in GOPATH mode", { timeout: 180_000 }, async () => {
    const gopath = mkdtempSync(join(tmpdir(), "clawkeep-go-"));
    try {
      const parent = join(gopath, "src/github.com/clawkeep/clawkeep/gen");
      mkdirSync(parent, { recursive: true });
      symlinkSync(resolve("gen/go"), join(parent, "go"));
      const { stderr } = await run("go", ["vet", "github.com/clawkeep/clawkeep/gen/go/clawkeep/v1"], {
        cwd: gopath,
        env: { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:/usr/share/gocode`, GOCACHE: join(gopath, "cache"), GOFLAGS: "" },
        timeout: 170_000,
      });
      expect(stderr).toBe("");
    } finally {
      rmSync(gopath, { recursive: true, force: true });
    }
  });
});
