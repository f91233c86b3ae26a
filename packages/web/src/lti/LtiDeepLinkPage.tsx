import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@amphi/client';
import type { LtiDeepLinkAnswer, LtiDeepLinkOptions, RoomKind } from '@amphi/protocol';
import { RoomKindChoice } from '../rooms/RoomKindChoice.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { useLoad } from '../ui/useLoad.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { ltiClient } from './ltiSessionApi.js';

/**
 * Posts the signed answer to the platform in this frame (form field `JWT`), as Deep Linking
 * 2.0 asks: the platform's page replaces this one. Only an http(s) URL (a `javascript:` one would run).
 */
function returnToPlatform(answer: LtiDeepLinkAnswer): void {
  const url = new URL(answer.returnUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ApiError('LTI_INVALID', 400, 'The return URL is not http(s).');
  const form = document.createElement('form');
  form.method = 'post';
  form.action = url.toString();
  form.hidden = true;
  const field = document.createElement('input');
  field.type = 'hidden';
  field.name = 'JWT';
  field.value = answer.jwt;
  form.append(field);
  document.body.append(form);
  form.submit();
}

/** "new", or the id of one of the course's rooms. */
type Choice = 'new' | { roomId: string };

function DeepLinkForm({ token, options }: { token: string; options: LtiDeepLinkOptions }) {
  const { t } = useTranslation();
  const id = useId();
  const [choice, setChoice] = useState<Choice>('new');
  const [title, setTitle] = useState(options.courseTitle?.slice(0, 120) ?? '');
  const [kind, setKind] = useState<RoomKind>('classroom');
  const [titleMissing, setTitleMissing] = useState(false);
  const [returning, setReturning] = useState(false);
  const { busy, error, run } = useAction({ keepBusyOnSuccess: true });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = title.trim();
    setTitleMissing(choice === 'new' && trimmed === '');
    if (choice === 'new' && trimmed === '') return;
    await run(async () => {
      const answer = await ltiClient(token).ltiDeepLink(choice === 'new' ? { create: { title: trimmed, kind } } : { roomId: choice.roomId });
      returnToPlatform(answer);
      setReturning(true);
    });
  };

  const isRoom = (roomId: string) => choice !== 'new' && choice.roomId === roomId;
  return (
    <form onSubmit={(e) => void submit(e)} className="stack" noValidate>
      <ErrorAlert code={error} />
      {options.rooms.length > 0 && (
        <fieldset aria-describedby={`${id}-existing-hint`}>
          <legend>{t('ltiDeepLink.existing')}</legend>
          <p className="hint" id={`${id}-existing-hint`}>
            {t('ltiDeepLink.existingHint')}
          </p>
          {options.rooms.map((room) => (
            <div className="choice" key={room.id}>
              <input type="radio" id={`${id}-room-${room.id}`} name={`${id}-room`} checked={isRoom(room.id)} onChange={() => setChoice({ roomId: room.id })} aria-describedby={`${id}-room-${room.id}-kind`} />
              <label htmlFor={`${id}-room-${room.id}`}>{room.title}</label>
              <p className="hint" id={`${id}-room-${room.id}-kind`}>
                {t(`kinds.${room.kind}`)}
              </p>
            </div>
          ))}
          <div className="choice">
            <input type="radio" id={`${id}-room-new`} name={`${id}-room`} checked={choice === 'new'} onChange={() => setChoice('new')} />
            <label htmlFor={`${id}-room-new`}>{t('ltiDeepLink.newRoomChoice')}</label>
          </div>
        </fieldset>
      )}
      {choice === 'new' && (
        <fieldset>
          <legend>{t('ltiDeepLink.create')}</legend>
          <TextField label={t('ltiDeepLink.roomTitle')} required maxLength={120} value={title} onChange={setTitle} error={titleMissing ? t('ltiDeepLink.titleRequired') : null} />
          <RoomKindChoice legend={t('ltiDeepLink.kind')} value={kind} onChange={setKind} />
        </fieldset>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {choice === 'new' ? t('ltiDeepLink.addNew') : t('ltiDeepLink.addExisting')}
        </button>
        <StatusMessage>{returning ? t('ltiDeepLink.returning') : null}</StatusMessage>
      </div>
    </form>
  );
}

/**
 * The page of an instructor's deep linking request: pick one of the course's rooms or make a
 * new one; the signed answer is then posted back to the platform, which adds the activity.
 */
export function LtiDeepLinkPage({ token }: { token: string }) {
  const { t } = useTranslation();
  usePageTitle(t('ltiDeepLink.title'));
  const [options] = useLoad(() => ltiClient(token).ltiDeepLinkOptions(), token);
  return (
    <section className="card narrow">
      <h1>{t('ltiDeepLink.title')}</h1>
      <p>{t('ltiDeepLink.intro')}</p>
      {options.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {options.status === 'error' && <ErrorAlert code={options.code} />}
      {options.status === 'ready' && <DeepLinkForm token={token} options={options.data} />}
    </section>
  );
}
