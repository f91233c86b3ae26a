import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type Hls from 'hls.js';
import { fatalKindOf, HlsRecovery } from './HlsRecovery.js';
import { backToLiveVisible, HLS_PLAYER_CONFIG, liveSeekTarget, secondsBehindLive } from './liveEdge.js';
import { PlayerSurface } from './PlayerSurface.js';
import type { ProgramClock } from './programClock.js';
import { AUTO_QUALITY, type QualityLevel } from './quality.js';

interface Props {
  /** Path (or URL) of the master playlist; a new one (program restarted) is loaded afresh. */
  src: string;
  /** Shown above the controls, e.g. why the low-latency tier was given up. */
  notice?: string | null;
  /** Receives the program clock while this player plays (null once it stops). */
  onClock?: (clock: ProgramClock | null) => void;
}

/** Safari's native HLS exposes the playlist's EXT-X-PROGRAM-DATE-TIME as the start date. */
type SafariVideo = HTMLVideoElement & { getStartDate?: () => Date };

function seekableEnd(video: HTMLVideoElement): number | null {
  const ranges = video.seekable;
  return ranges.length > 0 ? ranges.end(ranges.length - 1) : null;
}

/**
 * The HLS player: hls.js tuned for low-latency HLS (1.1 s behind the edge, up to 1.5× speed
 * to catch up, a jump back when 5 s behind), recovering from errors as hls.js recommends;
 * Safari's native HLS where there is no Media Source Extensions. Offers the quality levels and
 * "Back to live". hls.js is loaded only when a viewer plays HLS.
 */
export function HlsPlayer({ src, notice, onClock }: Props) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<QualityLevel[]>([]);
  const [selected, setSelected] = useState(AUTO_QUALITY);
  const [current, setCurrent] = useState(-1);
  const [usesHlsJs, setUsesHlsJs] = useState(false);
  const [failure, setFailure] = useState<'unsupported' | 'failed' | null>(null);
  // Bumped by "Try again" to build the player afresh.
  const [attempt, setAttempt] = useState(0);
  const [behind, setBehind] = useState(false);
  const clockListener = useRef(onClock);
  useEffect(() => {
    clockListener.current = onClock;
  });

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    let stopped = false;
    let hls: Hls | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const recovery = new HlsRecovery();
    const onPlaying = () => recovery.onPlaying();
    element.addEventListener('playing', onPlaying);
    setFailure(null);

    const build = (HlsClass: typeof Hls) => {
      const player = new HlsClass({ ...HLS_PLAYER_CONFIG });
      hls = player;
      hlsRef.current = player;
      player.on(HlsClass.Events.MANIFEST_PARSED, (_event, data) => {
        setLevels(data.levels.map((level) => ({ height: level.height, bitrate: level.bitrate })));
        // A new program may have another ladder: back to Auto.
        setSelected(AUTO_QUALITY);
      });
      player.on(HlsClass.Events.LEVEL_SWITCHED, (_event, data) => setCurrent(data.level));
      player.on(HlsClass.Events.ERROR, (_event, data) => {
        if (!data.fatal || stopped || hls !== player) return;
        const step = recovery.onFatal(fatalKindOf(data.type, data.details));
        switch (step.action) {
          case 'recoverMedia':
            player.recoverMediaError();
            return;
          case 'swapAudioCodec':
            player.swapAudioCodec();
            player.recoverMediaError();
            return;
          case 'startLoad':
            timer = setTimeout(() => player.startLoad(), step.delayMs);
            return;
          case 'reload':
            player.destroy();
            hls = null;
            hlsRef.current = null;
            timer = setTimeout(() => !stopped && build(HlsClass), step.delayMs);
            return;
          case 'giveUp':
            player.destroy();
            hls = null;
            hlsRef.current = null;
            setFailure('failed');
            return;
        }
      });
      player.loadSource(src);
      player.attachMedia(element);
    };

    void import('hls.js').then(
      ({ default: HlsClass }) => {
        if (stopped) return;
        if (HlsClass.isSupported()) {
          setUsesHlsJs(true);
          build(HlsClass);
          clockListener.current?.({ now: () => hls?.playingDate?.getTime() ?? null });
        } else if (element.canPlayType('application/vnd.apple.mpegurl')) {
          setUsesHlsJs(false);
          element.src = src;
          clockListener.current?.({
            now: () => {
              const start = (element as SafariVideo).getStartDate?.().getTime();
              return start !== undefined && Number.isFinite(start) ? start + element.currentTime * 1000 : null;
            },
          });
        } else {
          setFailure('unsupported');
        }
      },
      () => !stopped && setFailure('failed'),
    );

    return () => {
      stopped = true;
      clearTimeout(timer);
      element.removeEventListener('playing', onPlaying);
      hls?.destroy();
      hlsRef.current = null;
      if (element.getAttribute('src')) {
        element.removeAttribute('src');
        element.load();
      }
      clockListener.current?.(null);
    };
  }, [src, attempt]);

  // How far behind the live edge, once a second: "Back to live" beyond 3 s.
  useEffect(() => {
    const timer = setInterval(() => {
      const element = video.current;
      if (!element) return;
      const hls = hlsRef.current;
      const distance = secondsBehindLive({ latency: hls ? hls.latency : null, currentTime: element.currentTime, seekableEnd: seekableEnd(element) });
      setBehind((shown) => backToLiveVisible(shown, distance));
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  const backToLive = () => {
    const element = video.current;
    if (!element) return;
    const target = liveSeekTarget({ liveSyncPosition: hlsRef.current?.liveSyncPosition ?? null, seekableEnd: seekableEnd(element) });
    if (target !== null) element.currentTime = target;
    element.play().catch(() => undefined);
    setBehind(false);
  };

  const selectQuality = (value: number) => {
    setSelected(value);
    // From the next segment on (1 s): no stall, unlike switching the current one.
    if (hlsRef.current) hlsRef.current.nextLevel = value;
  };

  const failureText = failure === 'unsupported' ? t('audience.unsupported') : failure === 'failed' ? t('audience.playbackFailed') : null;
  return (
    <PlayerSurface
      tier="hls"
      video={video}
      quality={usesHlsJs && levels.length > 0 ? { levels, selected, current, onSelect: selectQuality } : null}
      behindLive={behind}
      onBackToLive={backToLive}
      notice={failureText ?? notice ?? null}
    >
      {failure === 'failed' && (
        <button type="button" className="secondary" onClick={() => setAttempt((n) => n + 1)}>
          {t('audience.tryAgain')}
        </button>
      )}
    </PlayerSurface>
  );
}
