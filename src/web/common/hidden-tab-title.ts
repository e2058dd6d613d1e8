/**
 * While the page's browser tab is hidden, news that needs the person (a technician joined, a new
 * reply) is counted in the tab's title: "(2) New reply · Client Portal". Looking at the tab again
 * restores the title.
 */
import { useCallback, useEffect, useRef } from 'react';

export function useHiddenTabTitle(): (news: string) => void {
  const state = useRef<{ count: number; base: string | null }>({ count: 0, base: null });
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible' || state.current.base === null) return;
      document.title = state.current.base;
      state.current = { count: 0, base: null };
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      onVisible();
    };
  }, []);
  return useCallback((news: string) => {
    if (document.visibilityState === 'visible') return;
    const s = state.current;
    s.base ??= document.title;
    s.count++;
    document.title = `(${s.count}) ${news} · ${s.base}`;
  }, []);
}
