import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RemoteMedia } from '@amphi/client/media';

function AudioTrack({ track, participantId, source, onBlocked }: { track: MediaStreamTrack; participantId: string; source: string; onBlocked: () => void }) {
  const audio = useRef<HTMLAudioElement>(null);
  const latestOnBlocked = useRef(onBlocked);
  useEffect(() => {
    latestOnBlocked.current = onBlocked;
  });
  useEffect(() => {
    const element = audio.current!;
    element.srcObject = new MediaStream([track]);
    element.play().catch((err: unknown) => {
      if (err instanceof Error && err.name === 'NotAllowedError') latestOnBlocked.current();
    });
    return () => {
      element.srcObject = null;
    };
  }, [track]);
  // Tests find whose audio this is by data-participant-id.
  return <audio ref={audio} autoPlay data-participant-id={participantId} data-source={source} />;
}

/**
 * Plays everyone else's microphone: one hidden audio element per track, never one's own.
 * When the browser blocks playback until the person interacts (e.g. after a reload), a button
 * turns the sound on.
 */
export function RemoteAudio({ remote, selfId }: { remote: RemoteMedia[]; selfId: string | undefined }) {
  const { t } = useTranslation();
  const [blocked, setBlocked] = useState(false);
  const container = useRef<HTMLDivElement>(null);
  // Microphones and the sound of shared screens.
  const mics = remote.filter((r) => (r.source === 'mic' || r.source === 'screenAudio') && r.participantId !== selfId);
  const playAll = () => {
    const plays = Array.from(container.current?.querySelectorAll('audio') ?? [], (a) => a.play());
    Promise.all(plays).then(
      () => setBlocked(false),
      () => undefined,
    );
  };
  return (
    <>
      <div ref={container} hidden>
        {mics.map((m) => (
          <AudioTrack key={m.track.id} track={m.track} participantId={m.participantId} source={m.source} onBlocked={() => setBlocked(true)} />
        ))}
      </div>
      <div role="status">
        {blocked && (
          <p className="notice inline">
            {t('media.soundBlocked')}
            <button type="button" className="small" onClick={playAll}>
              {t('media.playSound')}
            </button>
          </p>
        )}
      </div>
    </>
  );
}
