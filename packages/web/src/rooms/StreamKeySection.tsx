import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { IssuedStreamKey } from '@amphi/protocol';
import { api } from '../api.js';
import { currentLanguage } from '../i18n/index.js';
import { ConfirmButton } from '../ui/ConfirmButton.js';
import { CopyField } from '../ui/CopyField.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { useAction } from '../ui/useAction.js';
import { useLoad } from '../ui/useLoad.js';

interface Props {
  roomId: string;
  /** A card of the edit page with its own h2, or a part of the broadcast panel (h3, no card). */
  nested?: boolean;
}

/**
 * A lecture's stream key for OBS and other encoders: the RTMP server URL, which key is in use
 * (its first characters and date: the key itself is stored hashed), generating a new key
 * (shown once, in full, to copy), revoking it, and how to set up OBS.
 */
export function StreamKeySection({ roomId, nested = false }: Props) {
  const { t } = useTranslation();
  const [info, setInfo] = useLoad(() => api.streamKey(roomId), roomId);
  const [issued, setIssued] = useState<{ key: IssuedStreamKey; replaced: boolean } | null>(null);
  const [revoked, setRevoked] = useState(false);
  const { busy, error, run } = useAction();
  const Heading = nested ? 'h3' : 'h2';
  const SubHeading = nested ? 'h4' : 'h3';
  const headingId = `stream-key-${nested ? 'panel' : 'page'}`;
  // The button pressed goes away with its action: keep keyboard users' place (the new key, or the heading).
  const issuedBlock = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (issued) issuedBlock.current?.focus();
  }, [issued]);
  useEffect(() => {
    if (revoked) heading.current?.focus();
  }, [revoked]);

  const generate = (replaced: boolean) =>
    void run(async () => {
      const key = await api.rotateStreamKey(roomId);
      setIssued({ key, replaced });
      setRevoked(false);
      setInfo({ hint: key.hint, createdAt: key.createdAt, rtmpUrl: key.rtmpUrl });
    });
  const revoke = (rtmpUrl: string) =>
    void run(async () => {
      await api.revokeStreamKey(roomId);
      setIssued(null);
      setRevoked(true);
      setInfo({ hint: null, createdAt: null, rtmpUrl });
    });
  const dateOf = (iso: string) => new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));

  const content = (
    <>
      <Heading id={headingId} ref={heading} tabIndex={-1}>{t('streamKey.title')}</Heading>
      <p className="hint">{t('streamKey.hint')}</p>
      {info.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      <ErrorAlert code={info.status === 'error' ? info.code : error} />
      {info.status === 'ready' && (
        <>
          <CopyField label={t('streamKey.rtmpUrl')} value={info.data.rtmpUrl} />
          {issued ? (
            <div className="stream-key-issued" ref={issuedBlock} tabIndex={-1}>
              <CopyField key={issued.key.key} label={t('streamKey.key')} value={issued.key.key} />
              <p className="notice">
                {t('streamKey.shownOnce')} {issued.replaced ? t('streamKey.oldStopped') : null}
              </p>
            </div>
          ) : (
            <p>{info.data.hint && info.data.createdAt ? t('streamKey.current', { hint: info.data.hint, date: dateOf(info.data.createdAt) }) : t('streamKey.none')}</p>
          )}
          <div className="actions">
            {info.data.hint ? (
              // A new key (new date) puts the button back in its first state.
              <ConfirmButton
                key={info.data.createdAt ?? ''}
                label={t('streamKey.generate')} question={t('streamKey.generateConfirm')} confirmLabel={t('streamKey.generateForGood')} busy={busy} onConfirm={() => generate(true)} />
            ) : (
              <button type="button" disabled={busy} onClick={() => generate(false)}>
                {t('streamKey.generate')}
              </button>
            )}
            {info.data.hint && (
              <ConfirmButton label={t('streamKey.revoke')} question={t('streamKey.revokeConfirm')} confirmLabel={t('streamKey.revokeForGood')} busy={busy} onConfirm={() => revoke(info.data.rtmpUrl)} />
            )}
          </div>
          <StatusMessage>{revoked ? t('streamKey.revoked') : null}</StatusMessage>
          <SubHeading>{t('streamKey.obsTitle')}</SubHeading>
          <ul className="obs-help">
            <li>{t('streamKey.obsServer')}</li>
            <li>{t('streamKey.obsEncoder')}</li>
            <li>{t('streamKey.obsVideo')}</li>
            <li>{t('streamKey.obsAudio')}</li>
          </ul>
        </>
      )}
    </>
  );
  return nested ? (
    <section className="stream-key" aria-labelledby={headingId}>
      {content}
    </section>
  ) : (
    <section className="card stream-key" aria-labelledby={headingId}>
      {content}
    </section>
  );
}
