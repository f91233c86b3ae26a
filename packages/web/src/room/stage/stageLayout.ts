import type { RemoteMedia } from '@amphi/client/media';
import type { MediaSource, Participant } from '@amphi/protocol';

/** How the stage shows people: all the same size, or one large with the others in a strip. */
export type StageView = 'grid' | 'speaker';

/** What a tile shows: someone's camera, someone's screen, or one's own camera (mirrored). */
export type TileSource = 'camera' | 'screen' | 'self';

export interface TileModel {
  /** Stable React key: participant id and source. */
  key: string;
  participantId: string;
  source: TileSource;
  name: string;
  /** The video to show; undefined shows the placeholder (camera off, screen not arrived yet). */
  track: MediaStreamTrack | undefined;
  /** A video received from someone else (its simulcast layer follows the tile's size). */
  remote: boolean;
  micOn: boolean;
  /** Speaking right now. */
  talking: boolean;
  /** The active speaker (the last other person who spoke), highlighted in the grid. */
  active: boolean;
  isSelf: boolean;
  connected: boolean;
}

export interface StageLayout {
  /** The one large tile (speaker view, or a shared screen); null for an even grid. */
  focus: TileModel | null;
  /** Every other tile: the grid, or the strip beside the large one. */
  others: TileModel[];
}

export interface StageInput {
  participants: Participant[];
  selfId: string | undefined;
  remote: RemoteMedia[];
  local: Readonly<Partial<Record<MediaSource, MediaStreamTrack>>>;
  talking: ReadonlySet<string>;
  activeSpeaker: string | null;
  pinned: string | null;
  view: StageView;
}

function liveTrack(track: MediaStreamTrack | undefined): MediaStreamTrack | undefined {
  return track && track.readyState === 'live' ? track : undefined;
}

/**
 * Arranges the stage. A shared screen is always large, with its sharer's camera first in the
 * strip beside it (the pinned person's screen wins, then someone else's over one's own). In
 * speaker view the large tile is the pinned person, else the active speaker, else the first
 * person with their camera on. The grid lists oneself first, then the others in order of arrival.
 */
export function arrangeStage(input: StageInput): StageLayout {
  const { participants, selfId, remote, local, talking, activeSpeaker, pinned, view } = input;
  const remoteTrack = (participantId: string, source: 'camera' | 'screen') => liveTrack(remote.find((r) => r.participantId === participantId && r.source === source)?.track);

  const cameras: TileModel[] = [];
  const screens: TileModel[] = [];
  for (const p of participants) {
    const isSelf = p.id === selfId;
    const base = { participantId: p.id, name: p.name, micOn: p.mic, talking: talking.has(p.id), active: p.id === activeSpeaker, isSelf, connected: p.connected };
    const camera = isSelf ? liveTrack(local.camera) : p.cam ? remoteTrack(p.id, 'camera') : undefined;
    const tile: TileModel = { ...base, key: `${p.id}:camera`, source: isSelf ? 'self' : 'camera', track: camera, remote: !isSelf };
    if (isSelf) cameras.unshift(tile);
    else cameras.push(tile);
    const screen = isSelf ? liveTrack(local.screen) : remoteTrack(p.id, 'screen');
    if (p.screen || (isSelf && screen)) screens.push({ ...base, key: `${p.id}:screen`, source: 'screen', track: screen, remote: !isSelf });
  }

  const present = (id: string | null) => (id !== null && participants.some((p) => p.id === id) ? id : null);
  const pinnedId = present(pinned);
  const featured = screens.find((s) => s.participantId === pinnedId) ?? screens.find((s) => !s.isSelf) ?? screens[0];
  if (featured) {
    const sharerCamera = cameras.find((c) => c.participantId === featured.participantId);
    const rest = [...screens.filter((s) => s !== featured), ...cameras.filter((c) => c !== sharerCamera)];
    return { focus: featured, others: sharerCamera ? [sharerCamera, ...rest] : rest };
  }
  if (view === 'grid') {
    // The pinned person comes first in the grid.
    const pinnedTile = cameras.find((c) => c.participantId === pinnedId);
    return { focus: null, others: pinnedTile ? [pinnedTile, ...cameras.filter((c) => c !== pinnedTile)] : cameras };
  }
  const speaker = present(activeSpeaker);
  const focus =
    cameras.find((c) => c.participantId === pinnedId) ??
    cameras.find((c) => c.participantId === speaker && !c.isSelf) ??
    cameras.find((c) => !c.isSelf && c.track) ??
    cameras.find((c) => !c.isSelf) ??
    cameras[0];
  return { focus: focus ?? null, others: cameras.filter((c) => c !== focus) };
}

/** Up to two initials of a name, for the camera-off placeholder. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words.slice(0, 1);
  return letters.map((w) => Array.from(w)[0]!.toLocaleUpperCase()).join('') || '?';
}
