/**
 * The pages a real browser sees on the test platform: a course page that shows the tool in an
 * iframe (as Moodle's "embed" launch container does) and, optionally, answers the LTI
 * client-side storage postMessages (`lti.put_data`, `lti.get_data`) as the tool's parent; and
 * the frame's first page, which posts the login initiation to the tool.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The storage the course page offers its frames: values are kept per sending origin, as the
 * spec asks, in the page's memory (a forgetful storage acknowledges `lti.put_data` and keeps nothing). Every message is logged in `window.ltiStorageLog` (subject,
 * key, origin) so a test can see what the tool asked.
 */
function storageScript(forgetful: boolean): string {
  return `<script>
(function () {
  var forgetful = ${forgetful ? 'true' : 'false'};
  var store = {};
  var log = (window.ltiStorageLog = []);
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (typeof m !== 'object' || m === null || typeof m.subject !== 'string') return;
    var reply = function (answer) { answer.message_id = m.message_id; event.source.postMessage(answer, event.origin); };
    log.push({ subject: m.subject, key: m.key, origin: event.origin });
    var slot = event.origin + ' ' + m.key;
    if (m.subject === 'lti.capabilities') {
      reply({ subject: 'lti.capabilities.response', supported_messages: [{ subject: 'lti.put_data' }, { subject: 'lti.get_data' }] });
    } else if (m.subject === 'lti.put_data') {
      if (!forgetful) store[slot] = m.value;
      reply({ subject: 'lti.put_data.response', key: m.key, value: m.value });
    } else if (m.subject === 'lti.get_data') {
      if (Object.prototype.hasOwnProperty.call(store, slot)) reply({ subject: 'lti.get_data.response', key: m.key, value: store[slot] });
      else reply({ subject: 'lti.get_data.response', key: m.key, error: { code: 'bad_request', message: 'There is no value for this key.' } });
    }
  });
})();
</script>`;
}

/** The storage a course page offers: none, a working one, or one that acknowledges values but keeps none (a platform that lost the state). */
export type CourseStorage = 'none' | 'working' | 'forgetful';

/** A course page with the activity in an iframe titled "Amphi" and named `amphi-frame`. */
export function coursePage(input: { courseTitle: string; activityTitle: string; frameSrc: string; storage: CourseStorage }): string {
  return (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>' +
    `${escapeHtml(input.courseTitle)}</title></head>\n<body>\n<main>\n<h1>${escapeHtml(input.courseTitle)}</h1>\n` +
    `<h2>${escapeHtml(input.activityTitle)}</h2>\n` +
    // The permissions Moodle grants its tool frames: camera, microphone, screen sharing, autoplay, full screen.
    `<iframe title="Amphi" name="amphi-frame" src="${escapeHtml(input.frameSrc)}" width="1000" height="700" ` +
    'allow="camera *; microphone *; display-capture *; autoplay *; fullscreen *"></iframe>\n' +
    `</main>\n${input.storage === 'none' ? '' : storageScript(input.storage === 'forgetful')}\n</body>\n</html>\n`
  );
}

/** The frame's first page: an auto-submitted form posting the login initiation to the tool (as Moodle does). */
export function loginInitiationPage(toolLoginUrl: string, fields: Readonly<Record<string, string>>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launching…</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(toolLoginUrl)}">${inputs}</form></body></html>`;
}

/** The heading of the activity on a course page where an instructor adds an activity (deep linking). */
export const deepLinkActivityTitle = 'Add an activity';

/**
 * What the frame shows once the platform accepted a deep linking response: the activity (or
 * activities) added, by title, as Moodle's page before it closes the selection dialog.
 */
export function deepLinkReturnPage(titles: readonly string[]): string {
  const text = titles.length === 0 ? 'No activity added.' : `Activity added: ${titles.join(', ')}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(text)}</title></head><body><main><h1>${escapeHtml(text)}</h1></main></body></html>`;
}
