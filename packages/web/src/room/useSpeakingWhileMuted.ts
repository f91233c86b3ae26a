import { useEffect, useState } from 'react';

/** Loudness (RMS of the samples, 0…1) above which the microphone hears speech. */
const THRESHOLD = 0.03;
/** How often the level is read, in ms. */
const SAMPLE_MS = 100;
/** How long (ms) the level must stay above the threshold before the notice shows. */
const SPEAKING_MS = 500;
/** How long (ms) the notice stays after the last loud moment. */
const HOLD_MS = 3000;

/**
 * Whether one is speaking while muted: listens to a clone of the (disabled) microphone track
 * through an AnalyserNode, and says yes once the level stayed above a threshold for half a
 * second; no again after three quiet seconds. The clone never leaves the page.
 *
 * @param track the microphone track, if one was started
 * @param muted whether the microphone is off
 */
export function useSpeakingWhileMuted(track: MediaStreamTrack | undefined, muted: boolean): boolean {
  const [speaking, setSpeaking] = useState(false);
  useEffect(() => {
    setSpeaking(false);
    if (!muted || !track || track.readyState !== 'live' || typeof AudioContext === 'undefined') return;
    const clone = track.clone();
    // The original is disabled while muted (silence); the clone hears the microphone.
    clone.enabled = true;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    const source = context.createMediaStreamSource(new MediaStream([clone]));
    source.connect(analyser);
    context.resume().catch(() => undefined);
    const samples = new Float32Array(analyser.fftSize);
    let loudFor = 0;
    let lastLoud = -Infinity;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const loud = Math.sqrt(sum / samples.length) > THRESHOLD;
      const now = performance.now();
      // One quiet sample (a breath between words) does not reset the count.
      loudFor = loud ? loudFor + SAMPLE_MS : Math.max(0, loudFor - SAMPLE_MS);
      if (loud && loudFor >= SPEAKING_MS) {
        lastLoud = now;
        setSpeaking(true);
      } else if (now - lastLoud > HOLD_MS) {
        setSpeaking(false);
      }
    }, SAMPLE_MS);
    return () => {
      clearInterval(timer);
      source.disconnect();
      clone.stop();
      context.close().catch(() => undefined);
    };
  }, [track, muted]);
  return speaking;
}
