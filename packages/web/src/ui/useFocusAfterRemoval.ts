import { useCallback, useLayoutEffect, useRef } from 'react';

/**
 * Keeps keyboard focus in a list when an action removes one of its items (WCAG 2.4.3), since
 * the removed item's button took the focus with it to the page body. Call `removing(id)` when
 * acting; once `ids` no longer holds that id, and only if focus is still lost, the first control
 * of the item now in its place (else the nearest item with one) takes the focus, or the list's
 * heading (give it `tabIndex={-1}`) when no item has a control.
 */
export function useFocusAfterRemoval(ids: readonly string[]) {
  const list = useRef<HTMLUListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const pending = useRef<{ id: string; index: number } | null>(null);
  const latestIds = useRef(ids);

  const removing = useCallback((id: string) => {
    pending.current = { id, index: latestIds.current.indexOf(id) };
  }, []);

  useLayoutEffect(() => {
    latestIds.current = ids;
    const p = pending.current;
    if (!p || ids.includes(p.id)) return;
    pending.current = null;
    const active = document.activeElement;
    // Someone who already moved on keeps their place.
    if (active && active !== document.body && active.isConnected) return;
    const items = Array.from(list.current?.children ?? []);
    const nearest = [...items.slice(p.index), ...items.slice(0, p.index).reverse()];
    const target = nearest.map((item) => item.querySelector<HTMLElement>('button, select, input')).find((control) => control !== null);
    (target ?? heading.current)?.focus();
  }, [ids]);

  return { list, heading, removing };
}
