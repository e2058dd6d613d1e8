/**
 * node:http and node:https for the server's own code, loaded as CommonJS. Their ES module facade
 * (`import http from 'node:http'`) reads every export once, and one of them loads Node's bundled
 * fetch (undici): about 13 MB more resident at start for nothing the server uses (docs/benchmarks.md,
 * ninth session). `import type` from them stays as it is.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
export const http = load('node:http') as typeof import('node:http');
export const https = load('node:https') as typeof import('node:https');
