import { AmphiError, type MediaSource } from '@amphi/protocol';
import { mediaSections } from './sdp.js';

const KIND: Readonly<Record<MediaSource, string>> = { mic: 'audio', camera: 'video', screen: 'video', screenAudio: 'audio' };

/**
 * Checks a publisher's offer against what they say it carries and what they may send:
 * every sending section is declared, each declared source exists with the right kind and
 * appears once, no data channels, and a screen only with the permission.
 * Returns mid → source. Throws MEDIA_REJECTED or NOT_ALLOWED.
 */
export function checkPublishOffer(sdp: string, sources: readonly { mid: string; source: MediaSource }[], may: { screen: boolean }): Map<string, MediaSource> {
  const sections = mediaSections(sdp);
  if (sections.length === 0) throw new AmphiError('MEDIA_REJECTED', 'The offer has no media.');
  const byMid = new Map<string, MediaSource>();
  const seen = new Set<MediaSource>();
  for (const { mid, source } of sources) {
    if (seen.has(source)) throw new AmphiError('MEDIA_REJECTED', `Only one ${source} stream may be published.`);
    if (byMid.has(mid)) throw new AmphiError('MEDIA_REJECTED', `mid ${mid} is declared twice.`);
    seen.add(source);
    byMid.set(mid, source);
  }
  if ((seen.has('screen') || seen.has('screenAudio')) && !may.screen) throw new AmphiError('NOT_ALLOWED', 'Your role may not share a screen in this room.');
  const mids = new Set<string>();
  for (const section of sections) {
    if (section.kind === 'application') throw new AmphiError('MEDIA_REJECTED', 'Data channels are not accepted.');
    if (section.mid === undefined) throw new AmphiError('MEDIA_REJECTED', 'Every media section needs a mid.');
    mids.add(section.mid);
    const source = byMid.get(section.mid);
    if (section.sending && source === undefined) throw new AmphiError('MEDIA_REJECTED', `mid ${section.mid} sends media that was not declared.`);
    if (source !== undefined && KIND[source] !== section.kind) throw new AmphiError('MEDIA_REJECTED', `mid ${section.mid} is ${section.kind}, not ${source}.`);
  }
  for (const mid of byMid.keys()) if (!mids.has(mid)) throw new AmphiError('MEDIA_REJECTED', `mid ${mid} is not in the offer.`);
  return byMid;
}
