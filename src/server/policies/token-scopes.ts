/**
 * What an API token's scopes allow. A token acts as the admin who created it (services/api-tokens.ts),
 * limited by its scopes: `read` the GET routes of the Tech Console and the admin API, `write` what
 * `read` allows and the console's other methods, `admin` every route of the admin API. The portal's routes, the
 * socket, the sign-in and the tokens' own management are never for tokens.
 */
import type { TokenScope } from '../../shared/api-tokens.js';

/** Where a guarded route is: the Tech Console's API or the admin API. */
export type TokenArea = 'console' | 'admin';

const reads = (method: string) => method === 'GET' || method === 'HEAD';

/** The scopes of which any one lets a token make this request. */
export function scopesAllowing(area: TokenArea, method: string): TokenScope[] {
  if (area === 'admin') return reads(method) ? ['read', 'write', 'admin'] : ['admin'];
  return reads(method) ? ['read', 'write'] : ['write'];
}

export function scopeAllows(scopes: readonly TokenScope[], area: TokenArea, method: string): boolean {
  return scopesAllowing(area, method).some((s) => scopes.includes(s));
}
