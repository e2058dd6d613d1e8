/** The provider's branding: public to read, admins only to change, the logo checked and served safely. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { world, type World } from './support/flows.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
const DEFAULT = { name: 'Helpdesk', accentColor: null, logoUrl: null, boardWord: 'Topic' };

describe.each(DIALECTS)('branding on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  const publicBranding = async () => (await (await fetch(`${s.url}/api/branding`)).json()) as Record<string, unknown>;
  const putLogo = (c: Client | null, type: string, body: Buffer) =>
    fetch(`${s.url}/api/admin/branding/logo`, {
      method: 'PUT',
      headers: { 'content-type': type, ...(c ? { cookie: c.cookieHeader() } : {}) },
      body: new Uint8Array(body),
    });

  it('starts as the product default and anyone may read it, without a session', async () => {
    expect(await publicBranding()).toEqual(DEFAULT);
  });

  it('only an admin changes it: a tech, a portal user and nobody are refused and nothing changes', async () => {
    const body = { name: 'Brightline IT', accentColor: '#6d28d9' };
    expect((await w.techClient.put('/api/admin/branding', body)).body.error.code).toBe('admin_only');
    expect((await w.userClient.put('/api/admin/branding', body)).status).toBe(401);
    expect(
      (await fetch(`${s.url}/api/admin/branding`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status,
    ).toBe(401);
    expect((await putLogo(w.techClient, 'image/png', PNG)).status).toBe(403);
    expect((await putLogo(null, 'image/png', PNG)).status).toBe(401);
    expect(await publicBranding()).toEqual(DEFAULT);
  });

  it('refuses an accent too light for text, with the contrast it has, and a value that is not a colour', async () => {
    const light = await admin.put('/api/admin/branding', { name: 'Brightline IT', accentColor: '#ffcc00' });
    expect(light.status).toBe(400);
    expect(light.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'accentColor', needed: 4.5 } });
    expect(light.body.error.details.contrast).toBeLessThan(2);
    for (const accentColor of ['red', '#12345', '#1234567', 'url(x)', '#0b5cad;background:red'])
      expect((await admin.put('/api/admin/branding', { name: 'Brightline IT', accentColor })).body.error.code).toBe('validation_failed');
    expect((await admin.put('/api/admin/branding', { name: '   ', accentColor: null })).body.error.code).toBe('validation_failed');
    expect(await publicBranding()).toEqual(DEFAULT);
  });

  it('saves a name and accent that everyone then reads; null goes back to the default accent', async () => {
    const saved = await admin.put('/api/admin/branding', { name: '  Brightline IT ', accentColor: '#6D28D9' });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ name: 'Brightline IT', accentColor: '#6d28d9', logoUrl: null, boardWord: 'Topic' });
    expect(await publicBranding()).toEqual(saved.body);
    await admin.put('/api/admin/branding', { name: 'Brightline IT', accentColor: null });
    expect((await publicBranding()).accentColor).toBeNull();
  });

  it('sets the word portal users see for a board: kept when not sent, refused when not a word, the default stored as none', async () => {
    const word = async (boardWord?: unknown) => admin.put('/api/admin/branding', { name: 'Brightline IT', accentColor: null, boardWord });
    expect((await publicBranding()).boardWord).toBe('Topic');
    expect((await word('  IT Service ')).body.boardWord).toBe('IT Service');
    expect((await publicBranding()).boardWord).toBe('IT Service');
    // Saving name and colour alone keeps the word.
    expect((await admin.put('/api/admin/branding', { name: 'Brightline IT', accentColor: null })).body.boardWord).toBe('IT Service');
    for (const bad of ['', '   ', 'Topic!', '<b>Topic</b>', 'a'.repeat(31), 'Two  spaces', 42]) {
      const r = await word(bad);
      expect(r.status, String(bad)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    expect((await publicBranding()).boardWord).toBe('IT Service');
    expect((await word('Catégorie')).body.boardWord).toBe('Catégorie');
    expect((await word('Topic')).body.boardWord).toBe('Topic');
    const row = await s.ctx.db.selectFrom('branding').select('board_word').executeTakeFirstOrThrow();
    expect(row.board_word).toBeNull();
  });

  it('refuses a logo that is SVG, not what its type says, empty or too large, and stores none of them', async () => {
    const svg = await putLogo(admin, 'image/svg+xml', SVG);
    expect(svg.status).toBe(415);
    expect(((await svg.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const lying = await putLogo(admin, 'image/jpeg', PNG);
    expect(lying.status).toBe(415);
    expect((await putLogo(admin, 'image/png', SVG)).status).toBe(415);
    expect((await putLogo(admin, 'image/png', Buffer.alloc(0))).status).toBe(400);
    const big = await putLogo(admin, 'image/png', Buffer.concat([PNG, Buffer.alloc(300 * 1024)]));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect((await publicBranding()).logoUrl).toBeNull();
    expect((await fetch(`${s.url}/api/branding/logo`)).status).toBe(404);
  });

  it('serves a stored logo with its own type, nosniff, cached only under its hash; removing it removes it', async () => {
    const stored = await putLogo(admin, 'image/png', PNG);
    expect(stored.status).toBe(200);
    const logoUrl = ((await stored.json()) as { logoUrl: string }).logoUrl;
    expect(logoUrl).toMatch(/^\/api\/branding\/logo\?v=[0-9a-f]{16}$/);
    expect((await publicBranding()).logoUrl).toBe(logoUrl);
    const res = await fetch(s.url + logoUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(`${s.url}/api/branding/logo?v=old`)).headers.get('cache-control')).toBe('no-cache');

    const removed = await admin.request('DELETE', '/api/admin/branding/logo');
    expect(removed.body.logoUrl).toBeNull();
    expect((await fetch(s.url + logoUrl)).status).toBe(404);
    expect((await publicBranding()).name).toBe('Brightline IT');
  });
});
