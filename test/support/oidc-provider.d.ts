/** oidc-provider ships no types; the tests use a handful of its options (test/support/oidc.ts). */
declare module 'oidc-provider' {
  const Provider: new (issuer: string, configuration: Record<string, unknown>) => { callback(): (req: unknown, res: unknown) => void };
  export default Provider;
}
