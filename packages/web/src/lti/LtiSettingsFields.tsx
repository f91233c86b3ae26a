import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { LtiGrade, LtiTeachingAssistant } from '@amphi/protocol';

/** The grade posted to the LMS gradebook after each live session (room setting `ltiGrade`). */
export function LtiGradeSelect({ value, onChange }: { value: LtiGrade; onChange: (value: LtiGrade) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('ltiSettings.grade.label')}</label>
      <select id={id} value={value} onChange={(e) => onChange(LtiGrade.parse(e.target.value))}>
        {LtiGrade.options.map((grade) => (
          <option key={grade} value={grade}>
            {t(`ltiSettings.grade.options.${grade}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What an LMS teaching assistant becomes in the room (room setting `ltiTeachingAssistant`). */
export function LtiTeachingAssistantSelect({ value, onChange }: { value: LtiTeachingAssistant; onChange: (value: LtiTeachingAssistant) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('ltiSettings.teachingAssistant.label')}</label>
      <select id={id} value={value} onChange={(e) => onChange(LtiTeachingAssistant.parse(e.target.value))}>
        {LtiTeachingAssistant.options.map((role) => (
          <option key={role} value={role}>
            {t(`ltiSettings.teachingAssistant.options.${role}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
