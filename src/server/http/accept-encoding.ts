/** Whether the request's Accept-Encoding takes gzip (named, or its old name x-gzip, or `*`; not with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  let star = false;
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    const taken = q === undefined || Number(q.slice(2)) > 0;
    if (name === 'gzip' || name === 'x-gzip') return taken;
    if (name === '*') star = taken;
  }
  return star;
}
