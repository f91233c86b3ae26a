import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AmphiError } from '@amphi/protocol';
import { checkPublishOffer } from './publishRules.js';
import { mediaSections } from './sdp.js';

/** A minimal offer with the given media sections (kind, mid, direction). */
function offer(sections: [kind: string, mid: string, direction: string][]): string {
  const head = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', `a=group:BUNDLE ${sections.map(([, mid]) => mid).join(' ')}`];
  const body = sections.flatMap(([kind, mid, direction]) => [`m=${kind} 9 UDP/TLS/RTP/SAVPF 111`, 'c=IN IP4 0.0.0.0', `a=mid:${mid}`, `a=${direction}`]);
  return [...head, ...body, ''].join('\r\n');
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return err instanceof AmphiError ? err.code : 'THREW';
  }
}

describe('reading an SDP offer', () => {
  it('finds each media section with its mid and whether it sends', () => {
    const sdp = offer([['audio', '0', 'sendonly'], ['video', '1', 'sendrecv'], ['video', '2', 'recvonly'], ['video', '3', 'inactive']]);
    expect(mediaSections(sdp)).toEqual([
      { kind: 'audio', mid: '0', sending: true },
      { kind: 'video', mid: '1', sending: true },
      { kind: 'video', mid: '2', sending: false },
      { kind: 'video', mid: '3', sending: false },
    ]);
  });

  it('counts a stopped section (port 0) as not sending', () => {
    expect(mediaSections('m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=sendonly\r\n')).toEqual([{ kind: 'video', mid: '1', sending: false }]);
  });

  it('never throws, whatever the text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (text) => Array.isArray(mediaSections(text))));
    fc.assert(
      fc.property(fc.array(fc.constantFrom('m=audio 9 X 1', 'm=video', 'a=mid:', 'a=mid:0', 'a=sendonly', 'a=inactive', 'm=', 'junk', ''), { maxLength: 40 }), (lines) => {
        for (const section of mediaSections(lines.join('\n'))) expect(typeof section.sending).toBe('boolean');
      }),
    );
  });
});

describe('checking what a publisher may send', () => {
  const camMic = offer([['audio', '0', 'sendonly'], ['video', '1', 'sendonly']]);

  it('accepts a microphone and a camera declared as they are', () => {
    const map = checkPublishOffer(camMic, [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }], { screen: false });
    expect([...map]).toEqual([['0', 'mic'], ['1', 'camera']]);
  });

  it('refuses a sending section that was not declared (a hidden extra stream)', () => {
    expect(codeOf(() => checkPublishOffer(camMic, [{ mid: '0', source: 'mic' }], { screen: false }))).toBe('MEDIA_REJECTED');
  });

  it('refuses a screen without the permission, even declared as such', () => {
    const sdp = offer([['video', '0', 'sendonly']]);
    expect(codeOf(() => checkPublishOffer(sdp, [{ mid: '0', source: 'screen' }], { screen: false }))).toBe('NOT_ALLOWED');
    expect(codeOf(() => checkPublishOffer(sdp, [{ mid: '0', source: 'screen' }], { screen: true }))).toBeUndefined();
  });

  it('treats a shared screen’s sound like the screen: audio, and only with the permission', () => {
    const sdp = offer([['video', '0', 'sendonly'], ['audio', '1', 'sendonly']]);
    const sources = [{ mid: '0', source: 'screen' as const }, { mid: '1', source: 'screenAudio' as const }];
    expect(codeOf(() => checkPublishOffer(sdp, sources, { screen: false }))).toBe('NOT_ALLOWED');
    expect(codeOf(() => checkPublishOffer(offer([['audio', '1', 'sendonly']]), [{ mid: '1', source: 'screenAudio' }], { screen: false }))).toBe('NOT_ALLOWED');
    expect([...checkPublishOffer(sdp, sources, { screen: true })]).toEqual([['0', 'screen'], ['1', 'screenAudio']]);
    expect(codeOf(() => checkPublishOffer(offer([['video', '1', 'sendonly']]), [{ mid: '1', source: 'screenAudio' }], { screen: true }))).toBe('MEDIA_REJECTED');
  });

  it('refuses a second camera, a kind mismatch, a missing mid and data channels', () => {
    const twoVideos = offer([['video', '0', 'sendonly'], ['video', '1', 'sendonly']]);
    expect(codeOf(() => checkPublishOffer(twoVideos, [{ mid: '0', source: 'camera' }, { mid: '1', source: 'camera' }], { screen: true }))).toBe('MEDIA_REJECTED');
    expect(codeOf(() => checkPublishOffer(camMic, [{ mid: '0', source: 'camera' }, { mid: '1', source: 'mic' }], { screen: true }))).toBe('MEDIA_REJECTED');
    expect(codeOf(() => checkPublishOffer(camMic, [{ mid: '0', source: 'mic' }, { mid: '1', source: 'camera' }, { mid: '7', source: 'screen' }], { screen: true }))).toBe('MEDIA_REJECTED');
    const data = offer([['audio', '0', 'sendonly'], ['application', '1', 'sendrecv']]);
    expect(codeOf(() => checkPublishOffer(data, [{ mid: '0', source: 'mic' }], { screen: true }))).toBe('MEDIA_REJECTED');
  });

  it('answers any offer and declaration with a result or a coded refusal, never a crash', () => {
    const section = fc.tuple(fc.constantFrom('audio', 'video', 'application', 'text'), fc.constantFrom('0', '1', '2', 'a'), fc.constantFrom('sendonly', 'sendrecv', 'recvonly', 'inactive'));
    const source = fc.record({ mid: fc.constantFrom<string>('0', '1', '2', 'a', 'x'), source: fc.constantFrom('mic' as const, 'camera' as const, 'screen' as const, 'screenAudio' as const) });
    fc.assert(
      fc.property(fc.array(section, { maxLength: 5 }), fc.array(source, { minLength: 1, maxLength: 4 }), fc.boolean(), (sections, sources, screen) => {
        const code = codeOf(() => checkPublishOffer(offer(sections), sources, { screen }));
        expect([undefined, 'MEDIA_REJECTED', 'NOT_ALLOWED']).toContain(code);
        // Whatever is accepted sends nothing undeclared.
        if (code === undefined) {
          const declared = new Set(sources.map((s) => s.mid));
          for (const s of mediaSections(offer(sections))) if (s.sending) expect(declared.has(s.mid!)).toBe(true);
        }
      }),
    );
  });
});
