/** A tiny HTTP client with a cookie jar, speaking to a real server over the network. */
export type Res<T = any> = { status: number; body: T; headers: Headers; text: string };

export class Client {
  private cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: { raw?: string; headers?: Record<string, string>; form?: FormData; stream?: ReadableStream<Uint8Array> } = {},
  ): Promise<Res<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let payload: string | FormData | ReadableStream<Uint8Array> | undefined;
    if (opts.form) payload = opts.form;
    else if (opts.stream) payload = opts.stream;
    else if (opts.raw !== undefined) {
      payload = opts.raw;
      headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload, ...(opts.stream ? { duplex: 'half' } : {}) } as RequestInit);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  /** A file as the multipart field "file" (what the web's upload sends). */
  upload<T = any>(path: string, name: string, bytes: Uint8Array | string, type = 'application/octet-stream') {
    const form = new FormData();
    form.append('file', new Blob([typeof bytes === 'string' ? new TextEncoder().encode(bytes) : new Uint8Array(bytes)], { type }), name);
    return this.request<T>('POST', path, undefined, { form });
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body ?? {});
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body ?? {});
  }
}

export async function loginAs(baseUrl: string, audience: 'tech' | 'portal', email: string, password: string): Promise<Client> {
  const c = new Client(baseUrl);
  const r = await c.post(`/api/auth/${audience}/login`, { email, password });
  if (r.status !== 200) throw new Error(`login failed for ${email}: ${r.status} ${r.text}`);
  return c;
}
