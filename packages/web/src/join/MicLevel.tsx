import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** How often the level is read, in milliseconds (default 100: smooth enough, few renders). */
const SAMPLE_MS = 100;
/** Loudness shown as 0, in dBFS: quieter is silence for the meter. */
const FLOOR_DB = -60;
/** Share of the last level kept at each sample, so the bar falls back smoothly instead of flickering. */
const DECAY = 0.7;

/** The loudness of a microphone track from 0 to 100, read by an AnalyserNode; 0 without a track or while it is disabled. */
export function useMicLevel(track: MediaStreamTrack | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track || typeof AudioContext === 'undefined') return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // Browsers may start an AudioContext suspended until the person interacts with the page.
    const resume = () => {
      if (context.state === 'suspended') context.resume().catch(() => {});
    };
    resume();
    document.addEventListener('pointerdown', resume);
    document.addEventListener('keydown', resume);
    let shown = 0;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const db = 10 * Math.log10(sum / samples.length || 1e-12);
      const now = Math.min(100, Math.max(0, Math.round(((db - FLOOR_DB) / -FLOOR_DB) * 100)));
      shown = Math.max(now, Math.floor(shown * DECAY));
      setLevel(shown);
    }, SAMPLE_MS);
    return () => {
      clearInterval(timer);
      document.removeEventListener('pointerdown', resume);
      document.removeEventListener('keydown', resume);
      source.disconnect();
      context.close().catch(() => {});
      setLevel(0);
    };
  }, [track]);
  return level;
}

/** A visible, labelled meter of the microphone's loudness: speak and the bar moves. */
export function MicLevel({ track }: { track: MediaStreamTrack | null }) {
  const { t } = useTranslation();
  const labelId = useId();
  const level = useMicLevel(track);
  return (
    <div className="mic-level">
      <span id={labelId} className="mic-level-label">
        {t('join.microphoneLevel')}
      </span>
      <div className="mic-level-bar" role="meter" aria-labelledby={labelId} aria-valuemin={0} aria-valuemax={100} aria-valuenow={level}>
        <span className="mic-level-fill" style={{ width: `${level}%` }} />
      </div>
    </div>
  );
}
