import { useLayoutEffect, type RefObject } from 'react';

/**
 * For a notice fixed to the bottom of the screen: while it shows, the page keeps room for it
 * (`--bottom-overlay`, used by styles.css as the body's bottom padding and the phone composer's
 * offset), so it never covers the last control or the message box; it only floats over space.
 */
export function useBottomOverlay(ref: RefObject<HTMLElement | null>, shown: boolean) {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!shown || !el) return;
    const root = document.documentElement.style;
    const set = () => root.setProperty('--bottom-overlay', `${Math.ceil(el.getBoundingClientRect().height) + 24}px`);
    set();
    const ro = new ResizeObserver(set);
    ro.observe(el);
    return () => {
      ro.disconnect();
      root.removeProperty('--bottom-overlay');
    };
  }, [ref, shown]);
}
