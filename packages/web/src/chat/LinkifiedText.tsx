import { Fragment, useMemo } from 'react';
import { linkify } from '@amphi/client';

/**
 * Text with its http(s) links made clickable, without HTML: text segments become text nodes,
 * links `<a>` elements that open in a new tab without giving it access to this page.
 */
export function LinkifiedText({ text }: { text: string }) {
  const segments = useMemo(() => linkify(text), [text]);
  return (
    <>
      {segments.map((segment, i) =>
        segment.type === 'link' ? (
          <a key={i} href={segment.href} rel="noopener noreferrer nofollow" target="_blank">
            {segment.value}
          </a>
        ) : (
          <Fragment key={i}>{segment.value}</Fragment>
        ),
      )}
    </>
  );
}
