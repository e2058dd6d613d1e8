import { useState, type FormEvent } from 'react';

/**
 * A form's submit: no page reload, busy while it runs, and the error of the last attempt (cleared
 * when it starts again or is dismissed), shown by ErrorBanner.
 */
export function useSubmit(action: () => Promise<unknown>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error, clearError: () => setError(null) };
}
