import { describe, expect, it } from 'vitest';
import type { RemoteMedia } from '@amphi/client/media';
import type { Participant } from '@amphi/protocol';
import { arrangeStage, initialsOf, type StageInput, type StageLayout } from './stageLayout.js';

function person(id: string, change: Partial<Participant> = {}): Participant {
  return { id, name: id, role: 'participant', handRaised: false, mic: false, cam: true, screen: false, micLocked: false, connected: true, ...change };
}

function track(readyState: MediaStreamTrackState = 'live'): MediaStreamTrack {
  return { readyState } as MediaStreamTrack;
}

function received(participantId: string, source: 'camera' | 'screen', video = track()): RemoteMedia {
  return { mid: `${participantId}-${source}`, participantId, source, kind: 'video', track: video };
}

/** Me, then Ana, Ben and Cleo, all with their cameras on and arriving. */
const me = person('me');
const everyone = [person('ana'), person('ben'), me, person('cleo')];
const cameras = ['ana', 'ben', 'cleo'].map((id) => received(id, 'camera'));

function arrange(change: Partial<StageInput> = {}): StageLayout {
  return arrangeStage({
    participants: everyone,
    selfId: 'me',
    remote: cameras,
    local: { camera: track() },
    talking: new Set(),
    activeSpeaker: null,
    pinned: null,
    view: 'speaker',
    ...change,
  });
}

/** The layout by tile keys, to compare orders at a glance. */
function keys({ focus, others }: StageLayout): { focus: string | null; others: string[] } {
  return { focus: focus?.key ?? null, others: others.map((t) => t.key) };
}

describe('arrangeStage', () => {
  describe('in grid view', () => {
    it('lists oneself first, then the others in order of arrival, with no large tile', () => {
      expect(keys(arrange({ view: 'grid' }))).toEqual({ focus: null, others: ['me:camera', 'ana:camera', 'ben:camera', 'cleo:camera'] });
    });

    it('puts the pinned person first', () => {
      expect(keys(arrange({ view: 'grid', pinned: 'ben' })).others).toEqual(['ben:camera', 'me:camera', 'ana:camera', 'cleo:camera']);
    });

    it('ignores a pin on someone who has left', () => {
      expect(keys(arrange({ view: 'grid', pinned: 'gone' })).others).toEqual(['me:camera', 'ana:camera', 'ben:camera', 'cleo:camera']);
    });

    it('is empty for a room with nobody in it', () => {
      expect(arrange({ view: 'grid', participants: [], remote: [] })).toEqual({ focus: null, others: [] });
    });
  });

  describe('in speaker view', () => {
    it('shows the active speaker large, the others in the strip with oneself first', () => {
      expect(keys(arrange({ activeSpeaker: 'ben' }))).toEqual({ focus: 'ben:camera', others: ['me:camera', 'ana:camera', 'cleo:camera'] });
    });

    it('shows the pinned person large rather than the active speaker', () => {
      expect(keys(arrange({ activeSpeaker: 'ben', pinned: 'cleo' })).focus).toBe('cleo:camera');
    });

    it('shows oneself large when one pins oneself', () => {
      const { focus, others } = arrange({ activeSpeaker: 'ben', pinned: 'me' });
      expect(focus).toMatchObject({ key: 'me:camera', source: 'self', isSelf: true });
      expect(others.map((t) => t.key)).toEqual(['ana:camera', 'ben:camera', 'cleo:camera']);
    });

    it('never shows oneself large as the active speaker', () => {
      expect(keys(arrange({ activeSpeaker: 'me' })).focus).toBe('ana:camera');
    });

    it('falls back from a pinned person or active speaker who has left', () => {
      expect(keys(arrange({ activeSpeaker: 'gone', pinned: 'gone too' })).focus).toBe('ana:camera');
    });

    it('shows the first person with their camera on when nobody is speaking', () => {
      const participants = [person('ana', { cam: false }), me, person('ben')];
      expect(keys(arrange({ participants })).focus).toBe('ben:camera');
    });

    it('shows the first other person when no camera is on', () => {
      const participants = [person('ana', { cam: false }), me, person('ben', { cam: false })];
      expect(keys(arrange({ participants, remote: [] }))).toEqual({ focus: 'ana:camera', others: ['me:camera', 'ben:camera'] });
    });

    it('shows oneself large when alone', () => {
      expect(keys(arrange({ participants: [me], remote: [] }))).toEqual({ focus: 'me:camera', others: [] });
    });
  });

  describe('with a shared screen', () => {
    const sharing = (...ids: string[]) => everyone.map((p) => (ids.includes(p.id) ? { ...p, screen: true } : p));

    it('shows the screen large, whatever the view, with the sharer’s camera first in the strip', () => {
      for (const view of ['grid', 'speaker'] as const) {
        const layout = arrange({ view, participants: sharing('ben'), remote: [...cameras, received('ben', 'screen')], activeSpeaker: 'cleo' });
        expect(keys(layout)).toEqual({ focus: 'ben:screen', others: ['ben:camera', 'me:camera', 'ana:camera', 'cleo:camera'] });
        expect(layout.focus).toMatchObject({ source: 'screen', remote: true });
      }
    });

    it('shows the pinned person’s screen large when two people share', () => {
      const layout = arrange({ participants: sharing('ana', 'ben'), pinned: 'ben' });
      expect(keys(layout)).toEqual({ focus: 'ben:screen', others: ['ben:camera', 'ana:screen', 'me:camera', 'ana:camera', 'cleo:camera'] });
    });

    it('shows the first shared screen large when the pinned person does not share', () => {
      expect(keys(arrange({ participants: sharing('ana', 'ben'), pinned: 'cleo' })).focus).toBe('ana:screen');
    });

    it('prefers someone else’s screen to one’s own', () => {
      const layout = arrange({ participants: sharing('me', 'cleo'), local: { camera: track(), screen: track() } });
      expect(keys(layout)).toEqual({ focus: 'cleo:screen', others: ['cleo:camera', 'me:screen', 'me:camera', 'ana:camera', 'ben:camera'] });
    });

    it('shows one’s own screen large from the local track, before the server confirms it', () => {
      const screen = track();
      const layout = arrange({ local: { camera: track(), screen } });
      expect(layout.focus).toMatchObject({ key: 'me:screen', source: 'screen', track: screen, remote: false, isSelf: true });
      expect(layout.others[0]?.key).toBe('me:camera');
    });

    it('shows no screen of one’s own once its track has ended', () => {
      expect(arrange({ local: { camera: track(), screen: track('ended') } }).focus?.key).toBe('ana:camera');
    });

    it('shows an announced screen with a placeholder until its video arrives', () => {
      expect(arrange({ participants: sharing('ben') }).focus).toMatchObject({ key: 'ben:screen', track: undefined });
    });
  });

  describe('tiles', () => {
    it('show one’s own camera as a self-view from the local track', () => {
      const camera = track();
      const self = arrange({ view: 'grid', local: { camera } }).others[0];
      expect(self).toMatchObject({ key: 'me:camera', source: 'self', track: camera, remote: false, isSelf: true });
    });

    it('show one’s own camera as a placeholder when its track has ended', () => {
      expect(arrange({ view: 'grid', local: { camera: track('ended') } }).others[0]?.track).toBeUndefined();
    });

    it('show someone’s camera only while it is on and its video is live', () => {
      const live = track();
      const participants = [person('on'), person('off', { cam: false }), person('ended')];
      const remote = [received('on', 'camera', live), received('off', 'camera'), received('ended', 'camera', track('ended'))];
      const tiles = arrange({ view: 'grid', participants, remote }).others;
      expect(tiles.map((t) => [t.key, t.track])).toEqual([
        ['on:camera', live],
        ['off:camera', undefined],
        ['ended:camera', undefined],
      ]);
      expect(tiles.every((t) => t.remote && t.source === 'camera')).toBe(true);
    });

    it('carry the name, microphone, connection, talking and active speaker of each person', () => {
      const participants = [person('ana', { name: 'Ana Lima', mic: true }), person('ben', { connected: false })];
      const [ana, ben] = arrange({ view: 'grid', participants, talking: new Set(['ana']), activeSpeaker: 'ben' }).others;
      expect(ana).toMatchObject({ name: 'Ana Lima', micOn: true, connected: true, talking: true, active: false });
      expect(ben).toMatchObject({ name: 'ben', micOn: false, connected: false, talking: false, active: true });
    });
  });
});

describe('initialsOf', () => {
  it.each([
    ['Ada Lovelace', 'AL'],
    ['ada king lovelace', 'AL'],
    ['  grace  ', 'G'],
    ['émile zola', 'ÉZ'],
    ['😀 Sam', '😀S'],
    ['', '?'],
    ['   ', '?'],
  ])('makes %j into %j', (name, initials) => {
    expect(initialsOf(name)).toBe(initials);
  });
});
