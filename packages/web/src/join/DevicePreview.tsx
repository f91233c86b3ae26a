import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeviceKind, DeviceState } from './DeviceCheck.js';
import { MicLevel } from './MicLevel.js';
import { JOIN_MUTED_ABOVE, type DevicePreview as Preview } from './useDevicePreview.js';
import './devicePreview.css';

/** A device's icon: crossed out while it is off, so the state shows by shape, not only by colour. */
function DeviceIcon({ kind, on }: { kind: DeviceKind; on: boolean }) {
  return (
    <svg className="device-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      {kind === 'mic' ? (
        <>
          <rect x="9" y="2" width="6" height="12" rx="3" />
          <path d="M5 10v1a7 7 0 0 0 14 0v-1M12 18v4" />
        </>
      ) : (
        <>
          <rect x="2" y="6" width="14" height="12" rx="2" />
          <path d="M16 10l6-3v10l-6-3z" />
        </>
      )}
      {!on && <path d="M3 3l18 18" />}
    </svg>
  );
}

/** The mirrored, muted preview of one's own camera (mirrored as a mirror would show it; the others see it unmirrored). */
function CameraView({ camera }: { camera: DeviceState }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const { track } = camera;
  useEffect(() => {
    const element = video.current;
    if (!element || !track) return;
    element.srcObject = new MediaStream([track]);
    // Muted video may autoplay; a refusal only leaves the preview still.
    element.play().catch(() => {});
    return () => {
      element.srcObject = null;
    };
  }, [track]);
  return (
    <div className="camera-view">
      {track ? (
        <video ref={video} className="mirrored" autoPlay muted playsInline aria-label={t('join.cameraPreview')} />
      ) : (
        <p>{camera.opening ? t('join.cameraStarting') : t('join.cameraOff')}</p>
      )}
    </div>
  );
}

interface SelectProps {
  label: string;
  device: DeviceState;
  unnamed: (number: number) => string;
  disabled: boolean;
  onChange: (deviceId: string) => void;
}

/** The choice of a device, once the browser lists them. */
function DeviceSelect({ label, device, unnamed, disabled, onChange }: SelectProps) {
  const id = useId();
  if (device.devices.length === 0) return null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={device.deviceId ?? ''} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {device.devices.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || unnamed(i + 1)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What went wrong with the devices, one sentence per problem (one for both when they share it). */
function useProblems({ supported, mic, camera }: Preview): string[] {
  const { t } = useTranslation();
  if (!supported) return [t('join.devicesUnsupported')];
  if (mic.problem && mic.problem === camera.problem) return [t(`join.deviceProblems.both.${mic.problem}`)];
  const messages: string[] = [];
  if (mic.problem) messages.push(t(`join.deviceProblems.mic.${mic.problem}`));
  if (camera.problem) messages.push(t(`join.deviceProblems.camera.${camera.problem}`));
  return messages;
}

interface DevicePreviewProps {
  preview: Preview;
  /** True when the room is over the size where one joins muted: the mic toggle then starts off, and says why. */
  startMuted: boolean;
  /** True while joining: the choice is made. */
  disabled: boolean;
}

/** The device check of the pre-join page: camera preview, mic and camera toggles, device choice, mic level. */
export function DevicePreview({ preview, startMuted, disabled }: DevicePreviewProps) {
  const { t } = useTranslation();
  const headingId = useId();
  const mutedId = useId();
  const problems = useProblems(preview);
  const { supported, mic, camera } = preview;
  const showMuted = startMuted && !mic.on;
  return (
    <section className="device-check" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('join.devicePreview')}</h2>
      {supported && (
        <>
          <CameraView camera={camera} />
          <div className="device-toggles">
            <button type="button" className="device-toggle" aria-pressed={mic.on} aria-describedby={showMuted ? mutedId : undefined} disabled={disabled} onClick={() => preview.setOn('mic', !mic.on)}>
              <DeviceIcon kind="mic" on={mic.on} /> {t('join.microphone')}
            </button>
            <button type="button" className="device-toggle" aria-pressed={camera.on} disabled={disabled} onClick={() => preview.setOn('camera', !camera.on)}>
              <DeviceIcon kind="camera" on={camera.on} /> {t('join.camera')}
            </button>
          </div>
          {showMuted && (
            <p id={mutedId} className="notice">
              {t('join.joinMuted', { max: JOIN_MUTED_ABOVE })}
            </p>
          )}
          {mic.track && <MicLevel track={mic.track} />}
          <DeviceSelect label={t('join.microphoneDevice')} device={mic} unnamed={(number) => t('join.unnamedMicrophone', { number })} disabled={disabled} onChange={(id) => preview.choose('mic', id)} />
          <DeviceSelect label={t('join.cameraDevice')} device={camera} unnamed={(number) => t('join.unnamedCamera', { number })} disabled={disabled} onChange={(id) => preview.choose('camera', id)} />
        </>
      )}
      {/* Stays in the page so that a problem found later is announced. */}
      <div role="status" className="device-problems">
        {problems.map((message) => (
          <p key={message} className="notice">
            {message}
          </p>
        ))}
      </div>
    </section>
  );
}
