import type { BroadcastLayout, MediaSource } from '@amphi/protocol';
import { GRID_MAX_CAMERAS, resolveLayout, type ProgramLayoutKind } from './programLayout.js';

/** A stream the stage sends now (published and not muted), as the media plane describes it. */
export interface StageFeed {
  readonly participantId: string;
  readonly source: MediaSource;
  readonly kind: 'audio' | 'video';
  /** The publisher's mid for this stream (what a forwarder names). */
  readonly mid: string;
  /** Lower-case codec name (`vp8`, `h264`, `opus`…). */
  readonly codec: string;
  /**
   * Identifies one publication (Janus feed id): publishing afresh gives a new one and ends
   * every forwarder of the old, so a plan must change with it.
   */
  readonly publication?: number;
}

/** Which stage streams make the program, and how they are laid out. */
export interface ProgramPlan {
  readonly layout: ProgramLayoutKind;
  /** The shared screen (layout `screen`). */
  readonly screen: StageFeed | null;
  /** Cameras, the speaker's first (one for `speaker` and `screen`, up to four for `grid`). */
  readonly cameras: readonly StageFeed[];
  /** Every sound in the mix: microphones and a shared screen's sound. */
  readonly audios: readonly StageFeed[];
  /** Equal for two plans that would give the same ffmpeg command. */
  readonly signature: string;
}

/** Sounds in a mix (a stage is a few presenters). */
export const MAX_AUDIOS = 8;

/** The video codecs the program's ffmpeg reads from a forwarder. */
const VIDEO_CODECS = new Set(['vp8', 'h264']);

/**
 * Chooses the program from what the stage sends now. Only streams that flow are used: a
 * muted microphone or a camera turned off sends no packets, and an ffmpeg mixing an input
 * that never speaks would stall the whole program, so a change of who sends what gives a new
 * plan (and the broadcast restarts its pipeline).
 *
 * The speaker is the person sharing the screen when they have a camera on, else the first
 * camera in stage order (the order people started publishing, stable while they stay), not
 * the loudest voice: following voice activity would restart the pipeline at every reply.
 */
export function planProgram(feeds: readonly StageFeed[], layout: BroadcastLayout): ProgramPlan {
  const videos = feeds.filter((f) => f.kind === 'video' && VIDEO_CODECS.has(f.codec));
  const screen = videos.find((f) => f.source === 'screen') ?? null;
  const cameras = videos.filter((f) => f.source === 'camera');
  const sharerCamera = screen ? cameras.find((c) => c.participantId === screen.participantId) : undefined;
  const ordered = sharerCamera ? [sharerCamera, ...cameras.filter((c) => c !== sharerCamera)] : cameras;
  const audios = feeds.filter((f) => f.kind === 'audio' && f.codec === 'opus' && (f.source === 'mic' || f.source === 'screenAudio')).slice(0, MAX_AUDIOS);

  const chosen = resolveLayout(layout, ordered.length, screen !== null);
  const usedCameras = chosen === 'grid' ? ordered.slice(0, GRID_MAX_CAMERAS) : chosen === 'slate' ? [] : ordered.slice(0, 1);
  const usedScreen = chosen === 'screen' ? screen : null;
  const key = (f: StageFeed) => `${f.participantId}/${f.publication ?? ''}/${f.mid}/${f.codec}`;
  const signature = [chosen, usedScreen ? key(usedScreen) : '-', usedCameras.map(key).join(','), audios.map(key).join(',')].join('|');
  return { layout: chosen, screen: usedScreen, cameras: usedCameras, audios, signature };
}
