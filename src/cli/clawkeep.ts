// `clawkeep <command>`: the admin commands (npm run clawkeep -- <command>). Each opens the
// configured database (running pending migrations), does one thing, and exits.
import { ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { rotateMaster } from "./keys.js";
import { mailOutbox } from "./mail.js";
import { migrate } from "./migrate.js";

interface Command {
  summary: string;
  /** Options the command takes after its name, for the usage text; commands without them take no arguments. */
  options?: string;
  /** Resolves to the exit code (0 when it resolves to nothing). */
  run: (config: ReturnType<typeof loadConfig>, logger: ReturnType<typeof createLogger>, args: string[]) => Promise<number | void>;
}

const COMMANDS: Record<string, Command> = {
  migrate: { summary: "apply pending database migrations", run: migrate },
  "keys rotate-master": { summary: "add a master KEK version and re-wrap every stored data key under it", run: rotateMaster },
  "mail outbox": {
    summary: "print the mail kept while no SMTP server is configured, newest first (default 20)",
    options: "[--limit N]",
    run: mailOutbox,
  },
};

/** The command named by the first words of argv, and the arguments after its name. */
function findCommand(argv: string[]): { name: string; command: Command; args: string[] } | undefined {
  for (let words = argv.length; words > 0; words--) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMANDS[name];
    if (!command) continue;
    const args = argv.slice(words);
    if (args.length > 0 && !command.options) return undefined;
    return { name, command, args };
  }
  return undefined;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  clawkeep ${`${name} ${command.options ?? ""}`.trim().padEnd(30)} ${command.summary}`);
  return `usage:\n${lines.join("\n")}\n\nConfiguration comes from the same CLAWKEEP_* and DATABASE_URL variables as the server.`;
}

async function main(argv: string[]): Promise<number> {
  const name = argv.join(" ");
  if (name === "" || name === "help" || name === "--help") {
    console.log(usage());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
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
  return (await found.command.run(config, createLogger(config.logLevel), found.args)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`clawkeep: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
