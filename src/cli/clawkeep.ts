// `clawkeep <command>`: the admin commands (npm run clawkeep -- <command>). Each opens the
// configured database (running pending migrations), does one thing, and exits.
import { ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { rotateMaster } from "./keys.js";
import { migrate } from "./migrate.js";

const COMMANDS: Record<string, { summary: string; run: (config: ReturnType<typeof loadConfig>, logger: ReturnType<typeof createLogger>) => Promise<void> }> = {
  migrate: { summary: "apply pending database migrations", run: migrate },
  "keys rotate-master": { summary: "add a master KEK version and re-wrap every stored data key under it", run: rotateMaster },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  clawkeep ${name.padEnd(20)} ${command.summary}`);
  return `usage:\n${lines.join("\n")}\n\nConfiguration comes from the same CLAWKEEP_* and DATABASE_URL variables as the server.`;
}

async function main(argv: string[]): Promise<number> {
  const name = argv.join(" ");
  if (name === "" || name === "help" || name === "--help") {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`clawkeep: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`clawkeep: ${error.message}`);
    return 2;
  }
  await command.run(config, createLogger(config.logLevel));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`clawkeep: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
