import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { IssuedLti11Consumer, Lti11Consumer } from '@amphi/protocol';
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
import { lti11LaunchUrl } from './ltiPlatformForm.js';

type IssuedConsumer = ReturnType<typeof IssuedLti11Consumer.parse>;

/** LTI 1.1 consumers: the launch URL, the list (key, name; remove), and creating one (its secret shown once). */
export function LtiConsumers() {
  const { t } = useTranslation();
  const [list, setList] = useLoad(() => api.lti11Consumers(), 'lti-consumers');
  const [name, setName] = useState('');
  const [issued, setIssued] = useState<IssuedConsumer | null>(null);
  const [removed, setRemoved] = useState(false);
  const create = useAction();
  const remove = useAction();
  const consumers = list.status === 'ready' ? list.data : [];
  const focus = useFocusAfterRemoval(consumers.map((c) => c.consumerKey));
  const issuedBlock = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (issued) issuedBlock.current?.focus();
  }, [issued]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      create.setError('VALIDATION_FAILED');
      return;
    }
    await create.run(async () => {
      const consumer = await api.addLti11Consumer(trimmed);
      setIssued(consumer);
      setRemoved(false);
      setName('');
      if (list.status === 'ready') setList([...list.data, { consumerKey: consumer.consumerKey, name: consumer.name, createdAt: consumer.createdAt }]);
    });
  };

  const removeConsumer = (consumer: Lti11Consumer) => {
    if (list.status !== 'ready') return;
    focus.removing(consumer.consumerKey);
    setRemoved(false);
    void remove.run(async () => {
      try {
        await api.removeLti11Consumer(consumer.consumerKey);
      } catch (err) {
        // Already removed elsewhere: the list only needs to catch up.
        if (errorCodeOf(err) !== 'NOT_FOUND') throw err;
      }
      setList(list.data.filter((c) => c.consumerKey !== consumer.consumerKey));
      if (issued?.consumerKey === consumer.consumerKey) setIssued(null);
      setRemoved(true);
    });
  };

  return (
    <section className="card" aria-labelledby="lti-consumers-heading">
      <h3 id="lti-consumers-heading">{t('ltiAdmin.consumers.title')}</h3>
      <div className="stack">
        <p className="hint">{t('ltiAdmin.consumers.hint')}</p>
        <CopyField label={t('ltiAdmin.consumers.launchUrl')} value={lti11LaunchUrl()} />
      </div>
      {list.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      <ErrorAlert code={list.status === 'error' ? list.code : remove.error} />
      {list.status === 'ready' && (
        <>
          <h4 id="lti-consumer-list" ref={focus.heading} tabIndex={-1}>
            {t('ltiAdmin.consumers.listTitle')}
          </h4>
          {consumers.length === 0 ? (
            <p>{t('ltiAdmin.consumers.empty')}</p>
          ) : (
            <ul className="plain-list" ref={focus.list} aria-labelledby="lti-consumer-list">
              {consumers.map((c) => (
                <li key={c.consumerKey}>
                  <strong>{c.name}</strong>
                  <div>{t('ltiAdmin.consumers.key', { key: c.consumerKey })}</div>
                  <div className="muted">{t('ltiAdmin.registeredOn', { date: new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long' }).format(new Date(c.createdAt)) })}</div>
                  <div className="actions">
                    <ConfirmButton
                      label={t('ltiAdmin.consumers.remove', { name: c.name })}
                      question={t('ltiAdmin.consumers.removeConfirm', { name: c.name })}
                      confirmLabel={t('ltiAdmin.removeForGood')}
                      busy={remove.busy}
                      onConfirm={() => removeConsumer(c)}
                    />
                  </div>
                </li>
              ))}
            </ul>
          )}
          <StatusMessage>{removed ? t('ltiAdmin.consumers.removed') : null}</StatusMessage>
        </>
      )}
      {issued && (
        <div ref={issuedBlock} tabIndex={-1} className="stack" role="group" aria-labelledby="lti-consumer-issued">
          <h4 id="lti-consumer-issued">{t('ltiAdmin.consumers.created', { name: issued.name })}</h4>
          <p className="notice">{t('ltiAdmin.consumers.secretOnce')}</p>
          <CopyField key={`${issued.consumerKey}-key`} label={t('ltiAdmin.consumers.consumerKey')} value={issued.consumerKey} />
          <CopyField key={`${issued.consumerKey}-secret`} label={t('ltiAdmin.consumers.secret')} value={issued.secret} />
        </div>
      )}
      <form onSubmit={(e) => void add(e)} className="stack" noValidate>
        <ErrorAlert code={create.error} />
        <TextField label={t('ltiAdmin.consumers.name')} required maxLength={120} value={name} onChange={setName} error={create.error === 'VALIDATION_FAILED' ? t('ltiAdmin.problems.required') : null} />
        <button type="submit" disabled={create.busy}>
          {t('ltiAdmin.consumers.create')}
        </button>
      </form>
    </section>
  );
}
