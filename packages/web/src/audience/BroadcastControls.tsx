import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BroadcastLayout, type BroadcastInfo } from '@amphi/protocol';
import { useAuth } from '../auth/AuthContext.js';
import { currentLanguage } from '../i18n/index.js';
import { StreamKeySection } from '../rooms/StreamKeySection.js';
import { ConfirmButton } from '../ui/ConfirmButton.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { useAction } from '../ui/useAction.js';

export interface BroadcastActions {
  start(): Promise<void>;
  stop(): Promise<void>;
  setLayout(layout: BroadcastLayout): Promise<void>;
}

interface Props {
  roomId: string;
  broadcast: BroadcastInfo;
  actions: BroadcastActions;
  /** How many viewers are in the room now. */
  viewers: number;
}

/**
 * For a lecture's moderators: the broadcast to the audience — its state (announced when it
 * changes), start and stop (stop asks first), the program's layout, its source (the stage, or
 * an encoder), and the encoder settings with the stream key (for signed-in hosts).
 */
export function BroadcastControls({ roomId, broadcast, actions, viewers }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const { user } = useAuth();
  const { busy, error, run } = useAction();
  const { state } = broadcast;
  const encoder = broadcast.source === 'encoder' || broadcast.encoderConnected;

  // Announce each change of state, not the state found on arrival. Start and Stop replace
  // each other: if the pressed one took the focus away with it, the new one gets it.
  const seen = useRef(state);
  const buttons = useRef<HTMLDivElement>(null);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    if (seen.current === state) return;
    seen.current = state;
    setAnnouncement(t(`broadcast.announce.${state}`));
    if (document.activeElement === null || document.activeElement === document.body) buttons.current?.querySelector('button')?.focus();
  }, [state, t]);
  // The layout chosen shows at once; the server's answer (or a refusal) replaces it.
  const [chosen, setChosen] = useState<BroadcastLayout | null>(null);
  useEffect(() => setChosen(null), [broadcast.layout]);
  const changeLayout = (value: string) => {
    const layout = BroadcastLayout.parse(value);
    setChosen(layout);
    void run(() => actions.setLayout(layout)).then((ok) => !ok && setChosen(null));
  };
  // Once the keys are opened they stay loaded (closing the panel does not lose a new key).
  const [keysOpened, setKeysOpened] = useState(false);

  const since = broadcast.startedAt !== null ? new Intl.DateTimeFormat(currentLanguage(), { timeStyle: 'short' }).format(new Date(broadcast.startedAt)) : null;
  return (
    <section className="card broadcast-controls" aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h2 id={`${id}-title`}>{t('broadcast.title')}</h2>
        <span className={state === 'live' ? 'badge badge-live' : 'badge'}>{t('broadcast.stateLabel', { state: t(`broadcast.states.${state}`) })}</span>
      </div>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      <ErrorAlert code={error} />
      <p className="meta">
        {t('broadcast.source', { source: t(`broadcast.sources.${encoder ? 'encoder' : 'stage'}`) })}
        {state === 'live' && since ? ` · ${t('broadcast.liveSince', { time: since })}` : null}
        {` · ${t('broadcast.viewers', { count: viewers })}`}
      </p>
      <div className="actions" ref={buttons}>
        {state === 'live' ? (
          <ConfirmButton label={t('broadcast.stop')} question={t('broadcast.stopConfirm')} confirmLabel={t('broadcast.stopForEveryone')} busy={busy} onConfirm={() => void run(actions.stop)} />
        ) : (
          <button type="button" disabled={busy} onClick={() => void run(actions.start)}>
            {t('broadcast.start')}
          </button>
        )}
      </div>
      <div className="field broadcast-layout">
        <label htmlFor={`${id}-layout`}>{t('broadcast.layout')}</label>
        <select id={`${id}-layout`} value={chosen ?? broadcast.layout} aria-describedby={`${id}-layout-hint`} onChange={(e) => changeLayout(e.target.value)}>
          {BroadcastLayout.options.map((layout) => (
            <option key={layout} value={layout}>
              {t(`broadcast.layouts.${layout}`)}
            </option>
          ))}
        </select>
        <p className="hint" id={`${id}-layout-hint`}>
          {encoder ? t('broadcast.layoutEncoderHint') : t('broadcast.layoutHint')}
        </p>
      </div>
      {user && (
        <details className="broadcast-keys" onToggle={(e) => e.currentTarget.open && setKeysOpened(true)}>
          <summary>{t('broadcast.encoderSettings')}</summary>
          {keysOpened && <StreamKeySection roomId={roomId} nested />}
        </details>
      )}
    </section>
  );
}
