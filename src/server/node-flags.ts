/**
 * The Node options every server process runs with (`scripts/server-node-flags.json`): `npm start`
 * reads the file itself; the cluster tests and the bench read it through here.
 */
import fs from 'node:fs';

export const SERVER_NODE_FLAGS: readonly string[] = JSON.parse(fs.readFileSync(new URL('../../scripts/server-node-flags.json', import.meta.url), 'utf8')).flags;
