/** A polite live region: its text is announced when it changes, without moving focus. */
export function StatusMessage({ children, className }: { children?: string | null | undefined; className?: string }) {
  return (
    <p role="status" className={children ? (className ?? 'status') : undefined}>
      {children ?? null}
    </p>
  );
}
