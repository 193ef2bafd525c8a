import { KeyRing, keySource } from '../auth/keys.js';
import { loadConfig } from '../config.js';
import type { Database } from '../store/db.js';
import { openDatabase } from '../store/open-database.js';
import type { Command } from './command.js';

const USAGE = `haven keys rotate

Makes a new token-signing key. New tokens are signed with it at once; the previous key stays
published at jwks_uri and accepted, so tokens already issued keep working until they expire. The key
before that is dropped, and every running server refuses its tokens from its next request on. Keys live in KEYS_DIR (default DATA_DIR/keys), or with DATABASE_URL and no
KEYS_DIR in the database.`;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Rotate the token-signing keys (keys rotate)',
  usage: USAGE,
  async run(args) {
    if (args.length !== 1 || args[0] !== 'rotate') {
      console.error(USAGE);
      return 2;
    }
    const config = loadConfig();
    let db: Database | undefined;
    try {
      if (!config.auth.keysDir) db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
      const source = keySource(config.auth.keysDir, () => db as Database);
      await source.rotate();
      const ring = new KeyRing(source);
      console.log(`current key: ${(await ring.signingKey()).kid}`);
      return 0;
    } finally {
      await db?.close();
    }
  },
};
