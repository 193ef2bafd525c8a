#!/usr/bin/env node
// The `haven` command. Each sub-command lives in src/commands/.
import { ConfigError } from './config.js';
import { alertsCommand } from './commands/alerts.js';
import { auditCommand } from './commands/audit.js';
import { demoCommand } from './commands/demo.js';
import type { Command } from './commands/command.js';
import { importCommand } from './commands/import.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { reindexCommand } from './commands/reindex.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { userCommand } from './oauth/user-command.js';
import { HAVEN_VERSION } from './version.js';

const commands: Command[] = [
  serveCommand,
  migrateCommand,
  tokenCommand,
  keysCommand,
  auditCommand,
  reindexCommand,
  importCommand,
  userCommand,
  alertsCommand,
  demoCommand,
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `haven ${HAVEN_VERSION}: a FHIR R4 server for mental-health and heart-recovery data`,
    '',
    'Usage: haven <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "haven <command> --help" for a command\'s options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name = 'serve', ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(HAVEN_VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
