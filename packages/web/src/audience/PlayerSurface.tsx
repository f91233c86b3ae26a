import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { startPlayback, type PlaybackStart } from './autoplay.js';
import { shortcutFor, stepVolume, type FocusKind, type PlayerCommand } from './playerShortcuts.js';
import type { PlayerTier } from './playerTier.js';
import { AUTO_QUALITY, autoDetail, qualityOptions, type QualityLevel } from './quality.js';

/** The quality selector of the HLS player (hls.js levels). */
export interface QualityControl {
  levels: QualityLevel[];
  /** The chosen option: a level index, or AUTO_QUALITY. */
  selected: number;
  /** The level playing now (shown as "Auto (720p)"), -1 when unknown. */
  current: number;
  onSelect(value: number): void;
}

interface Props {
  tier: PlayerTier;
  /** The `<video>` the tier plays into (it attaches the source; this frame plays it). */
  video: RefObject<HTMLVideoElement | null>;
  /** HLS through hls.js: the quality selector. */
  quality?: QualityControl | null;
  /** Whether "Back to live" shows (the picture is far behind the live edge). */
  behindLive?: boolean;
  onBackToLive?: () => void;
  /** About playback (a fallback, a failure), shown above the controls and announced. */
  notice?: string | null;
  /** Extra controls beside the notice (e.g. "Try again"). */
  children?: ReactNode;
}

/** iOS Safari on iPhone: no Fullscreen API on elements, only on the video itself. */
type WebKitVideo = HTMLVideoElement & { webkitEnterFullscreen?: () => void };

function focusKindOf(target: EventTarget): FocusKind {
  if (!(target instanceof Element)) return 'other';
  if (target.closest('input, select, textarea')) return 'field';
  if (target.closest('button, summary, a')) return 'button';
  return 'other';
}

const percent = (volume: number) => Math.round(volume * 100);

/**
 * The frame shared by both players: the video, what the player tier is (as text), one control
 * bar (play, sound and volume, quality, back to live, full screen), the autoplay prompts and
 * the keyboard shortcuts, which work while the focus is anywhere in the player.
 * Playback starts (with sound if the browser allows it, else muted) each time a source is
 * ready, unless the viewer paused.
 */
export function PlayerSurface({ tier, video, quality, behindLive = false, onBackToLive, notice, children }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const container = useRef<HTMLDivElement>(null);
  const [paused, setPaused] = useState(true);
  const [muted, setMuted] = useState(false);
  const [volume, setVolume] = useState(1);
  const [loading, setLoading] = useState(true);
  const [started, setStarted] = useState<PlaybackStart | null>(null);
  const [fullscreen, setFullscreen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [canFullscreen, setCanFullscreen] = useState(false);
  // A viewer who paused stays paused when the source changes (recovery, new program).
  const pausedByViewer = useRef(false);

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    const sync = () => {
      setPaused(element.paused);
      setMuted(element.muted);
      setVolume(element.volume);
    };
    const ready = () => {
      if (pausedByViewer.current) return;
      void startPlayback(element).then((result) => {
        if (result !== 'aborted') setStarted(result);
        sync();
      });
    };
    const playing = () => {
      setLoading(false);
      setStarted((s) => (s === 'blocked' ? 'playing' : s));
      sync();
    };
    const waiting = () => setLoading(true);
    const loaded = () => setLoading(false);
    const listeners: [string, () => void][] = [
      ['loadedmetadata', ready],
      ['loadeddata', loaded],
      ['playing', playing],
      ['waiting', waiting],
      ['play', sync],
      ['pause', sync],
      ['volumechange', sync],
    ];
    for (const [name, listener] of listeners) element.addEventListener(name, listener);
    sync();
    return () => {
      for (const [name, listener] of listeners) element.removeEventListener(name, listener);
    };
  }, [video]);

  useEffect(() => {
    // Read once mounted: on an iPhone only the video element itself can go full screen.
    setCanFullscreen(document.fullscreenEnabled || typeof (video.current as WebKitVideo | null)?.webkitEnterFullscreen === 'function');
    const change = () => setFullscreen(document.fullscreenElement !== null && document.fullscreenElement === container.current);
    document.addEventListener('fullscreenchange', change);
    return () => document.removeEventListener('fullscreenchange', change);
  }, [video]);

  const element = () => video.current;
  const togglePlay = () => {
    const v = element();
    if (!v) return;
    if (v.paused) {
      pausedByViewer.current = false;
      v.play().catch(() => undefined);
    } else {
      pausedByViewer.current = true;
      v.pause();
    }
  };
  const setSound = (on: boolean) => {
    const v = element();
    if (!v) return;
    v.muted = !on;
    // Unmuting at volume 0 would still be silent.
    if (on && v.volume === 0) v.volume = 0.5;
    if (on) setStarted((s) => (s === 'muted' ? 'playing' : s));
  };
  const changeVolume = (next: number) => {
    const v = element();
    if (!v) return;
    v.volume = next;
    v.muted = next === 0;
    if (next > 0) setStarted((s) => (s === 'muted' ? 'playing' : s));
  };
  const toggleFullscreen = () => {
    if (document.fullscreenElement) {
      void document.exitFullscreen().catch(() => undefined);
      return;
    }
    const frame = container.current;
    if (document.fullscreenEnabled && frame) frame.requestFullscreen().catch(() => undefined);
    else (video.current as WebKitVideo | null)?.webkitEnterFullscreen?.();
  };

  const run = (command: PlayerCommand) => {
    const v = element();
    if (!v) return;
    switch (command) {
      case 'togglePlay':
        setAnnouncement(v.paused ? t('audience.announce.playing') : t('audience.announce.paused'));
        togglePlay();
        return;
      case 'toggleMute': {
        const on = v.muted;
        setSound(on);
        setAnnouncement(on ? t('audience.announce.unmuted') : t('audience.announce.muted'));
        return;
      }
      case 'fullscreen':
        toggleFullscreen();
        return;
      case 'volumeUp':
      case 'volumeDown': {
        const next = stepVolume(v.muted ? 0 : v.volume, command === 'volumeUp' ? 1 : -1);
        changeVolume(next);
        setAnnouncement(t('audience.announce.volume', { percent: percent(next) }));
        return;
      }
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const command = shortcutFor(event.key, { modifier: event.ctrlKey || event.metaKey || event.altKey, focus: focusKindOf(event.target) });
    if (!command) return;
    event.preventDefault();
    run(command);
  };

  const shownVolume = muted ? 0 : volume;
  const autoLabel = quality ? autoDetail(quality.levels, quality.current) : null;
  return (
    <div ref={container} className={fullscreen ? 'player player-fullscreen' : 'player'} role="region" aria-label={t('audience.player')} aria-describedby={`${id}-keys`} tabIndex={0} onKeyDown={onKeyDown}>
      <p id={`${id}-keys`} className="visually-hidden">
        {t('audience.shortcutsSummary')}
      </p>
      <div className="player-screen">
        {/* Tests find the player in use by data-player. */}
        <video ref={video} className="player-video" data-player={tier} playsInline onClick={togglePlay} />
        {loading && started !== 'blocked' && (
          <p className="player-loading" aria-hidden="true">
            {t('audience.loadingVideo')}
          </p>
        )}
        {started === 'muted' && muted && (
          <div className="player-prompt">
            <p>{t('audience.startedMuted')}</p>
            <button type="button" onClick={() => setSound(true)}>
              {t('audience.turnOnSound')}
            </button>
          </div>
        )}
        {started === 'blocked' && paused && (
          <div className="player-prompt">
            <p>{t('audience.playBlocked')}</p>
            <button type="button" onClick={togglePlay}>
              {t('audience.startVideo')}
            </button>
          </div>
        )}
      </div>
      <div role="status" className={notice ? 'notice player-notice' : undefined}>
        {notice ?? null}
      </div>
      {children}
      <div className="player-bar">
        <button type="button" className="secondary small" aria-keyshortcuts="k Space" onClick={togglePlay}>
          {paused ? t('audience.play') : t('audience.pause')}
        </button>
        <button type="button" className="secondary small" aria-keyshortcuts="m" onClick={() => setSound(muted)}>
          {muted ? t('audience.unmute') : t('audience.mute')}
        </button>
        <label className="player-volume">
          <span>{t('audience.volume')}</span>
          <input
            type="range"
            min={0}
            max={100}
            step={5}
            value={percent(shownVolume)}
            aria-valuetext={t('audience.volumeValue', { percent: percent(shownVolume) })}
            onChange={(e) => changeVolume(Number(e.target.value) / 100)}
          />
        </label>
        {quality && (
          <label className="player-quality">
            <span>{t('audience.quality')}</span>
            <select value={quality.selected} onChange={(e) => quality.onSelect(Number(e.target.value))}>
              {qualityOptions(quality.levels).map((option) => (
                <option key={option.value} value={option.value}>
                  {option.value === AUTO_QUALITY ? (autoLabel ? t('audience.qualityAutoWith', { quality: autoLabel }) : t('audience.qualityAuto')) : option.label}
                </option>
              ))}
            </select>
          </label>
        )}
        {behindLive && onBackToLive && (
          <button type="button" className="small" onClick={onBackToLive}>
            {t('audience.backToLive')}
          </button>
        )}
        {canFullscreen && (
          <button type="button" className="secondary small" aria-keyshortcuts="f" onClick={toggleFullscreen}>
            {fullscreen ? t('audience.exitFullScreen') : t('audience.fullScreen')}
          </button>
        )}
        <p className="player-tier" data-tier={tier}>
          {t(`audience.tiers.${tier}`)}
        </p>
      </div>
      <details className="player-help">
        <summary>{t('audience.shortcuts')}</summary>
        <dl>
          {(['playPause', 'mute', 'fullScreen', 'volume'] as const).map((key) => (
            <div key={key}>
              <dt>
                <kbd>{t(`audience.keys.${key}`)}</kbd>
              </dt>
              <dd>{t(`audience.keyActions.${key}`)}</dd>
            </div>
          ))}
        </dl>
      </details>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </div>
  );
}
