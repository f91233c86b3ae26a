import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '@amphi/client';
import type { LtiPlatform, LtiToolUrls } from '@amphi/protocol';
import { api, errorCodeOf } from '../api.js';
import { currentLanguage } from '../i18n/index.js';
import { ConfirmButton } from '../ui/ConfirmButton.js';
import { CopyField } from '../ui/CopyField.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { useFocusAfterRemoval } from '../ui/useFocusAfterRemoval.js';
import { useLoad } from '../ui/useLoad.js';
import {
  EMPTY_PLATFORM_DRAFT,
  PLATFORM_FIELDS,
  checkPlatformDraft,
  deploymentIdsOf,
  deploymentIdsProblem,
  problemsFromServer,
  registrationOf,
  type FieldProblem,
  type FieldProblems,
  type PlatformDraft,
} from './ltiPlatformForm.js';

const dateOf = (iso: string) => new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long' }).format(new Date(iso));

/** Amphi's four LTI 1.3 URLs, each in a read-only field with a Copy button. */
function ToolUrls({ tool }: { tool: LtiToolUrls }) {
  const { t } = useTranslation();
  return (
    <div className="stack">
      <CopyField label={t('ltiAdmin.tool.loginUrl')} value={tool.loginUrl} />
      <CopyField label={t('ltiAdmin.tool.launchUrl')} value={tool.launchUrl} />
      <CopyField label={t('ltiAdmin.tool.jwksUrl')} value={tool.jwksUrl} />
      <CopyField label={t('ltiAdmin.tool.deepLinkingUrl')} value={tool.deepLinkingUrl} />
    </div>
  );
}

/** The registration form; errors are shown on their fields, in the user's language. */
function RegisterPlatform({ onRegistered }: { onRegistered: (created: { tool: LtiToolUrls; platform: LtiPlatform }) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<PlatformDraft>(EMPTY_PLATFORM_DRAFT);
  const [problems, setProblems] = useState<FieldProblems>({});
  // Bumped by each refused submit, to move the focus to the first wrong field.
  const [refusals, setRefusals] = useState(0);
  const { busy, error, setError, run } = useAction();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (refusals > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusals]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = checkPlatformDraft(draft);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      setError('VALIDATION_FAILED');
      setRefusals((n) => n + 1);
      return;
    }
    await run(async () => {
      try {
        onRegistered(await api.addLtiPlatform(registrationOf(draft)));
        setDraft(EMPTY_PLATFORM_DRAFT);
      } catch (err) {
        const fromServer = err instanceof ApiError ? problemsFromServer(err) : {};
        setProblems(fromServer);
        if (Object.keys(fromServer).length > 0) setRefusals((n) => n + 1);
        throw err;
      }
    });
  };
  const alert = error === 'INVALID_STATE' && problems.clientId === 'duplicate' ? t('ltiAdmin.problems.duplicate') : error ? t(`errors.${error}`) : null;

  return (
    <form ref={form} onSubmit={(e) => void submit(e)} className="stack" noValidate aria-labelledby="lti-register-heading">
      <h4 id="lti-register-heading">{t('ltiAdmin.platforms.registerTitle')}</h4>
      <p className="hint">{t('ltiAdmin.platforms.registerHint')}</p>
      <div role="alert" className={alert ? 'alert alert-error' : undefined}>
        {alert}
      </div>
      {PLATFORM_FIELDS.map((field) => {
        const problem = problems[field];
        return (
          <TextField
            key={field}
            label={t(`ltiAdmin.fields.${field}`)}
            hint={t(`ltiAdmin.fieldHints.${field}`)}
            error={problem ? t(`ltiAdmin.problems.${problem}`) : null}
            value={draft[field]}
            onChange={(value) => setDraft((d) => ({ ...d, [field]: value }))}
            required
            autoComplete="off"
            spellCheck={false}
            // No type="url": the browser would check it in its own words; inputMode gives the URL keyboard.
            {...(field === 'clientId' || field === 'deploymentIds' ? {} : { inputMode: 'url' as const })}
          />
        );
      })}
      <button type="submit" disabled={busy}>
        {t('ltiAdmin.platforms.register')}
      </button>
    </form>
  );
}

/**
 * "Edit deployment IDs" of a registered platform: a small inline form. The platform keeps its
 * id, so the activities and courses that refer to it keep working. Focus goes to the field
 * when it opens, and back to the Edit button when it closes.
 */
function EditDeployments({ platform, onSaved }: { platform: LtiPlatform; onSaved: (platform: LtiPlatform) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState<string | null>(null);
  const [problem, setProblem] = useState<FieldProblem | null>(null);
  const [saved, setSaved] = useState(false);
  const { busy, error, setError, run } = useAction();
  const form = useRef<HTMLFormElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  // Where the focus goes after the next render: the field (opened, or refused) or the Edit button (closed).
  const [focusTarget, setFocusTarget] = useState<{ to: 'field' | 'button' } | null>(null);
  const names = { issuer: platform.issuer, clientId: platform.clientId };
  useEffect(() => {
    if (focusTarget?.to === 'field') form.current?.querySelector<HTMLInputElement>('input')?.focus();
    if (focusTarget?.to === 'button') editButton.current?.focus();
  }, [focusTarget]);

  const open = () => {
    setText(platform.deploymentIds.join(', '));
    setProblem(null);
    setError(null);
    setSaved(false);
    setFocusTarget({ to: 'field' });
  };
  const close = () => {
    setText(null);
    setFocusTarget({ to: 'button' });
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (text === null) return;
    const ids = deploymentIdsOf(text);
    const found = deploymentIdsProblem(ids);
    setProblem(found);
    if (found) {
      setError('VALIDATION_FAILED');
      setFocusTarget({ to: 'field' });
      return;
    }
    const ok = await run(async () => {
      try {
        onSaved(await api.setLtiDeployments(platform.id, ids));
      } catch (err) {
        const refused = err instanceof ApiError ? (problemsFromServer(err).deploymentIds ?? null) : null;
        setProblem(refused);
        if (refused) setFocusTarget({ to: 'field' });
        throw err;
      }
    });
    if (ok) {
      setSaved(true);
      close();
    }
  };

  return (
    <div>
      {text === null ? (
        <div className="actions">
          <button type="button" ref={editButton} className="secondary" onClick={open} aria-label={t('ltiAdmin.platforms.editDeploymentsOf', names)}>
            {t('ltiAdmin.platforms.editDeployments')}
          </button>
        </div>
      ) : (
        <form
          ref={form}
          className="stack"
          noValidate
          aria-label={t('ltiAdmin.platforms.editDeploymentsOf', names)}
          onSubmit={(e) => void submit(e)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
          }}
        >
          <ErrorAlert code={error} />
          <TextField
            label={t('ltiAdmin.fields.deploymentIds')}
            hint={t('ltiAdmin.platforms.deploymentIdsHint')}
            error={problem ? t(`ltiAdmin.problems.${problem}`) : null}
            value={text}
            onChange={setText}
            required
            autoComplete="off"
            spellCheck={false}
          />
          <div className="actions">
            <button type="submit" disabled={busy}>
              {t('app.save')}
            </button>
            <button type="button" className="secondary" onClick={close}>
              {t('app.cancel')}
            </button>
          </div>
        </form>
      )}
      <StatusMessage>{saved ? t('ltiAdmin.platforms.deploymentIdsSaved', names) : null}</StatusMessage>
    </div>
  );
}

/** LTI 1.3: Amphi's URLs, the registered platforms (edit their deployment ids, remove), registering one, rotating Amphi's signing key. */
export function LtiPlatforms() {
  const { t } = useTranslation();
  const [list, setList] = useLoad(() => api.ltiPlatforms(), 'lti-platforms');
  const [created, setCreated] = useState<{ tool: LtiToolUrls; platform: LtiPlatform } | null>(null);
  const [removed, setRemoved] = useState(false);
  const [rotatedKid, setRotatedKid] = useState<string | null>(null);
  const remove = useAction();
  const rotate = useAction();
  const platforms = list.status === 'ready' ? list.data.platforms : [];
  const focus = useFocusAfterRemoval(platforms.map((p) => p.id));
  const createdBlock = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (created) createdBlock.current?.focus();
  }, [created]);

  const removePlatform = (platform: LtiPlatform) => {
    if (list.status !== 'ready') return;
    focus.removing(platform.id);
    setRemoved(false);
    void remove.run(async () => {
      try {
        await api.removeLtiPlatform(platform.id);
      } catch (err) {
        // Already removed elsewhere: the list only needs to catch up.
        if (errorCodeOf(err) !== 'NOT_FOUND') throw err;
      }
      setList({ ...list.data, platforms: list.data.platforms.filter((p) => p.id !== platform.id) });
      if (created?.platform.id === platform.id) setCreated(null);
      setRemoved(true);
    });
  };

  return (
    <section className="card" aria-labelledby="lti-platforms-heading">
      <h3 id="lti-platforms-heading">{t('ltiAdmin.platforms.title')}</h3>
      {list.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      <ErrorAlert code={list.status === 'error' ? list.code : remove.error} />
      {list.status === 'ready' && (
        <>
          <h4>{t('ltiAdmin.tool.title')}</h4>
          <div className="stack">
            <p className="hint">{t('ltiAdmin.tool.hint')}</p>
            <ToolUrls tool={list.data.tool} />
          </div>

          <h4 id="lti-platform-list" ref={focus.heading} tabIndex={-1}>
            {t('ltiAdmin.platforms.listTitle')}
          </h4>
          {platforms.length === 0 ? (
            <p>{t('ltiAdmin.platforms.empty')}</p>
          ) : (
            <ul className="plain-list" ref={focus.list} aria-labelledby="lti-platform-list">
              {platforms.map((p) => (
                <li key={p.id}>
                  <strong>{p.issuer}</strong>
                  <div>{t('ltiAdmin.platforms.clientId', { clientId: p.clientId })}</div>
                  <div>{t('ltiAdmin.platforms.deploymentIds', { ids: p.deploymentIds.join(', ') })}</div>
                  <div className="muted">{t('ltiAdmin.registeredOn', { date: dateOf(p.createdAt) })}</div>
                  <EditDeployments platform={p} onSaved={(updated) => setList({ ...list.data, platforms: list.data.platforms.map((q) => (q.id === updated.id ? updated : q)) })} />
                  <div className="actions">
                    <ConfirmButton
                      label={t('ltiAdmin.platforms.remove', { issuer: p.issuer, clientId: p.clientId })}
                      question={t('ltiAdmin.platforms.removeConfirm', { issuer: p.issuer, clientId: p.clientId })}
                      confirmLabel={t('ltiAdmin.removeForGood')}
                      busy={remove.busy}
                      onConfirm={() => removePlatform(p)}
                    />
                  </div>
                </li>
              ))}
            </ul>
          )}
          <StatusMessage>{removed ? t('ltiAdmin.platforms.removed') : null}</StatusMessage>

          {created && (
            <div ref={createdBlock} tabIndex={-1} className="stack" role="group" aria-labelledby="lti-platform-registered">
              <p className="status" id="lti-platform-registered">{t('ltiAdmin.platforms.registered', { issuer: created.platform.issuer })}</p>
              <ToolUrls tool={created.tool} />
            </div>
          )}
          <RegisterPlatform
            onRegistered={(result) => {
              setList({ tool: result.tool, platforms: [...list.data.platforms, result.platform] });
              setRemoved(false);
              setCreated(result);
            }}
          />

          <h4>{t('ltiAdmin.signingKey.title')}</h4>
          <div className="stack">
            <p className="hint">{t('ltiAdmin.signingKey.hint')}</p>
            <ErrorAlert code={rotate.error} />
            <div className="actions">
              <button type="button" disabled={rotate.busy} onClick={() => void rotate.run(async () => setRotatedKid((await api.rotateLtiKey()).kid))}>
                {t('ltiAdmin.signingKey.rotate')}
              </button>
              <StatusMessage>{rotatedKid ? t('ltiAdmin.signingKey.rotated', { kid: rotatedKid }) : null}</StatusMessage>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
