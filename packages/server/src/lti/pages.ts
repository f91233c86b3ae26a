import { escapeHtml } from './deepLinking.js';

/** The pages Amphi renders itself during an LTI launch, in French and English. */
export type PageLang = 'en' | 'fr';

/** French when the browser prefers it to English, else English. */
export function pageLang(acceptLanguage: string | undefined): PageLang {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('fr')) return 'fr';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

const TEXT = {
  en: {
    errorTitle: 'The launch from your course could not be completed',
    errorHelp: 'Go back to your course and open the activity again. If it keeps failing, give your platform administrator this reason:',
    notOpenedTitle: 'This activity is not open yet',
    notOpenedHelp: 'Your teacher has not opened it yet. Come back to it from your course once they have.',
    storageTitle: 'Connecting to your course…',
    storageFailed: 'Your course platform did not answer. Go back to your course and open the activity again.',
  },
  fr: {
    errorTitle: 'Le lancement depuis votre cours n’a pas pu aboutir',
    errorHelp: 'Revenez à votre cours et rouvrez l’activité. Si l’erreur persiste, donnez ce motif à l’administrateur de votre plateforme :',
    notOpenedTitle: 'Cette activité n’est pas encore ouverte',
    notOpenedHelp: 'Votre enseignant·e ne l’a pas encore ouverte. Revenez-y depuis votre cours quand ce sera fait.',
    storageTitle: 'Connexion à votre cours…',
    storageFailed: 'Votre plateforme de cours n’a pas répondu. Revenez à votre cours et rouvrez l’activité.',
  },
} as const;

function page(lang: PageLang, title: string, body: string, head = ''): string {
  return (
    `<!doctype html>\n<html lang="${lang}">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)} · Amphi</title>${head}` +
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}code{background:#f2f2f2;padding:0 .2em}</style>' +
    `</head>\n<body>\n<main>\n${body}\n</main>\n</body>\n</html>\n`
  );
}

/** The page of a refused launch or login: what to do, and the cause for the administrator. */
export function ltiErrorPage(detail: string, lang: PageLang): string {
  const t = TEXT[lang];
  return page(lang, t.errorTitle, `<h1>${escapeHtml(t.errorTitle)}</h1>\n<p>${escapeHtml(t.errorHelp)}</p>\n<p role="alert"><code>${escapeHtml(detail)}</code></p>`);
}

/** The page a learner sees when launching an activity whose room no instructor has opened yet. */
export function notOpenedPage(activityTitle: string | null, lang: PageLang): string {
  const t = TEXT[lang];
  const title = activityTitle ? `<p><strong>${escapeHtml(activityTitle)}</strong></p>\n` : '';
  return page(lang, t.notOpenedTitle, `<h1>${escapeHtml(t.notOpenedTitle)}</h1>\n${title}<p>${escapeHtml(t.notOpenedHelp)}</p>`);
}

/**
 * The login page of the LTI client-side storage flow: puts the state in the platform's storage
 * frame (postMessage `lti.put_data`), then goes on to the platform's authorization URL. The
 * launch page reads it back (`lti.get_data`): the launch is bound to this browser without a
 * third-party cookie. The script runs under the response's CSP nonce.
 */
export function storageLoginPage(input: { authUrl: string; target: string; origin: string; key: string; value: string; scriptNonce: string; lang: PageLang }): string {
  const t = TEXT[input.lang];
  const data = JSON.stringify({ authUrl: input.authUrl, target: input.target, origin: input.origin, key: input.key, value: input.value });
  const script =
    `<script nonce="${escapeHtml(input.scriptNonce)}">(function(){` +
    `var d=JSON.parse(document.getElementById('amphi-lti-login').textContent);` +
    `var w=d.target==='_parent'?window.parent:window.parent.frames[d.target];` +
    `var id=Math.random().toString(36).slice(2);var done=false;` +
    `function go(){if(done)return;done=true;window.location.href=d.authUrl;}` +
    `window.addEventListener('message',function(e){if(e.origin!==d.origin&&d.origin!=='*')return;var m=e.data||{};if(m.subject==='lti.put_data.response'&&m.message_id===id)go();});` +
    `try{w.postMessage({subject:'lti.put_data',message_id:id,key:d.key,value:d.value},d.origin);}catch(x){}` +
    `setTimeout(function(){if(!done){document.getElementById('amphi-lti-status').textContent=${JSON.stringify(t.storageFailed)};}},5000);` +
    `})();</script>`;
  return page(
    input.lang,
    t.storageTitle,
    `<p id="amphi-lti-status" role="status">${escapeHtml(t.storageTitle)}</p>\n<script type="application/json" id="amphi-lti-login">${data.replace(/</g, '\\u003c')}</script>\n${script}`,
  );
}

/**
 * The web app's page for a launch: the built index.html (or a bare page when the web app is
 * not built, in API-only setups) with the launch's data in a `<meta name="amphi-lti">` tag,
 * which the app reads at start. Data, not script: nothing runs outside the app's own code.
 */
export function appPage(indexHtml: string | null, payload: unknown): string {
  const meta = `<meta name="amphi-lti" content="${escapeHtml(JSON.stringify(payload))}">`;
  if (indexHtml === null) return `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">${meta}<title>Amphi</title></head>\n<body></body>\n</html>\n`;
  return indexHtml.replace(/<head>/i, `<head>${meta}`);
}
