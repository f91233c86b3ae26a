import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { initialsOf, type TileModel } from './stageLayout.js';
import type { ObserveTile } from './useLayerSelection.js';

interface Props {
  tile: TileModel;
  /** Shown large (speaker view, shared screen) or in the grid or strip. */
  size: 'large' | 'small';
  /** Highlight the active speaker (grid view). */
  highlight: boolean;
  /** Whether this person is pinned; undefined when the tile has no pin button. */
  pinned: boolean | undefined;
  onPin: (participantId: string) => void;
  observe: ObserveTile;
}

/** A microphone with a slash; its meaning is given as text beside it. */
function MicOffIcon() {
  return (
    <svg className="tile-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2Z" />
      <path stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" d="M4 3l16 18" />
    </svg>
  );
}

/**
 * One person's camera, screen or one's own camera (mirrored). Without video: their initials
 * ("camera off"). The caption gives the name and, as text, a muted microphone and speaking.
 * Tests find tiles by `data-participant-id` and `data-source`.
 */
export function VideoTile({ tile, size, highlight, pinned, onPin, observe }: Props) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const { track, source, name } = tile;

  useEffect(() => {
    const element = video.current;
    if (!element) return;
    element.srcObject = track ? new MediaStream([track]) : null;
    return () => {
      element.srcObject = null;
    };
  }, [track]);

  const watched = tile.remote && track && source !== 'self' ? observe(tile.participantId, source) : undefined;
  const label = source === 'screen' ? t('media.screenOf', { name }) : tile.isSelf ? t('media.selfView', { name }) : name;
  const classes = ['tile', `tile-${size}`, `tile-${source}`, highlight ? 'tile-active' : '', tile.connected ? '' : 'tile-disconnected'].filter(Boolean).join(' ');
  return (
    <figure className={classes} data-participant-id={tile.participantId} data-source={source} ref={watched}>
      {track ? (
        <video ref={video} className={source === 'self' ? 'mirrored' : undefined} autoPlay playsInline muted aria-hidden="true" />
      ) : source === 'screen' ? (
        <div className="tile-placeholder">
          <span>{t('media.screenStarting', { name })}</span>
        </div>
      ) : (
        <div className="tile-placeholder">
          <span className="tile-initials" aria-hidden="true">
            {initialsOf(name)}
          </span>
          <span className="visually-hidden">{t('room.camOff')}</span>
        </div>
      )}
      <figcaption className="tile-caption">
        <span className="tile-name">{label}</span>
        {source !== 'screen' && !tile.micOn && (
          <span className="tile-mic-off">
            <MicOffIcon />
            <span className="visually-hidden">{t('room.micOff')}</span>
          </span>
        )}
        {source !== 'screen' && tile.talking && <span className="tile-speaking">{t('media.speaking')}</span>}
      </figcaption>
      {pinned !== undefined && (
        <button type="button" className="secondary small tile-pin" aria-pressed={pinned} aria-label={t('media.pinName', { name })} onClick={() => onPin(tile.participantId)}>
          {t('media.pin')}
        </button>
      )}
    </figure>
  );
}
