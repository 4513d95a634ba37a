// The portal's page: HTML, CSS and the script, served as three files of the portal's own origin so
// the Content-Security-Policy needs no inline script or style. Everything the page shows from the
// daemon goes in through textContent, never as HTML: names come from the server and the config.
// Longer than most files on purpose: it is the whole page, and splitting it would split the page.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>keyfob portal</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<header class="bar">
  <span class="brand">keyfob</span><span class="title">Accounts and roles</span>
  <input id="search" type="search" placeholder="Search profiles, account ids, roles   ( / )" autocomplete="off" spellcheck="false" aria-label="Search">
  <span id="count" class="count"></span>
</header>
<div id="sessions" class="sessions"></div>
<div id="problem" class="problem" hidden></div>
<main>
<table id="list">
  <thead><tr><th>Profile</th><th>Account</th><th>Account ID</th><th>Email</th><th>Role</th><th>Cached keys</th><th>Sign-in</th><th class="act">Actions</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<p id="empty" class="empty" hidden>No profile matches.</p>
</main>
<footer class="help"><kbd>/</kbd> search <kbd>↑</kbd><kbd>↓</kbd> move <kbd>Enter</kbd> open console <kbd>Esc</kbd> clear</footer>
<dialog id="copied" aria-labelledby="copied-title">
  <h2 id="copied-title"></h2>
  <p class="warn">These are live credentials. Paste them where you need them and close this.</p>
  <textarea id="copied-text" readonly rows="8" spellcheck="false"></textarea>
  <div class="buttons"><button id="copied-close" type="button">Close</button></div>
</dialog>
<div id="toast" class="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;

export const PAGE_CSS = `:root {
  --bg: #ffffff; --surface: #f9fafb; --text: #000716; --muted: #5f6b7a; --line: #e9ebed;
  --bar: #232f3e; --bar-text: #ffffff; --accent: #0972d3; --accent-text: #ffffff; --brand: #ff9900;
  --sel: #f2f8fd; --ok: #037f0c; --bad: #d91515; --badge: #e9ebed; --input: #ffffff; --input-line: #7d8998;
  font: 14px/1.4 "Amazon Ember", "Helvetica Neue", Roboto, Arial, sans-serif;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1b2a; --surface: #192534; --text: #d1d5db; --muted: #8d99a8; --line: #414d5c;
    --bar: #16191f; --sel: #1b2b3f; --accent: #539fe5; --accent-text: #0f1b2a; --ok: #29ad32; --bad: #ff5d64;
    --badge: #354150; --input: #0f1b2a; --input-line: #8d99a8;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
.bar { position: sticky; top: 0; z-index: 2; display: flex; align-items: center; gap: 16px; padding: 8px 20px; background: var(--bar); color: var(--bar-text); }
.brand { font-weight: 700; color: var(--brand); letter-spacing: .02em; }
.title { font-weight: 600; }
#search { flex: 1; max-width: 560px; padding: 6px 10px; border-radius: 8px; border: 1px solid var(--input-line); background: var(--input); color: var(--text); font: inherit; }
#search:focus { outline: 2px solid var(--accent); outline-offset: 0; }
.count { color: #d1d5db; font-size: 12px; margin-left: auto; }
.sessions { display: flex; flex-wrap: wrap; gap: 8px 20px; padding: 8px 20px; border-bottom: 1px solid var(--line); background: var(--surface); font-size: 13px; }
.sessions .s { display: inline-flex; gap: 6px; align-items: center; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--bad); display: inline-block; }
.dot.on { background: var(--ok); }
.problem { padding: 8px 20px; color: var(--bad); border-bottom: 1px solid var(--line); }
main { padding: 0 16px 48px; }
table { width: 100%; border-collapse: collapse; }
th { position: sticky; top: 46px; background: var(--bg); text-align: left; font-weight: 700; font-size: 12px; color: var(--muted); padding: 10px 6px 6px; border-bottom: 2px solid var(--line); }
td { padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: middle; white-space: nowrap; }
.clip { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 300px; }
.email { max-width: 200px; }
tr.row { cursor: default; }
tr.row:hover { background: var(--surface); }
tr.row.sel { background: var(--sel); box-shadow: inset 3px 0 0 var(--accent); }
.name { font-weight: 700; }

.sub { color: var(--muted); font-size: 12px; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 6px; margin-left: 6px; border-radius: 4px; background: var(--badge); color: var(--text); font-size: 11px; font-weight: 600; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .muted { color: var(--muted); }
.act { text-align: right; white-space: nowrap; }
button { font: inherit; font-size: 12px; font-weight: 700; padding: 3px 10px; border-radius: 16px; border: 1px solid var(--accent); background: transparent; color: var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: var(--accent-text); }
button:disabled { opacity: .4; cursor: default; }
button + button { margin-left: 4px; }
.empty { color: var(--muted); padding: 16px 8px; }
.help { position: fixed; bottom: 0; left: 0; right: 0; padding: 6px 20px; background: var(--surface); border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
kbd { font: 11px ui-monospace, monospace; padding: 0 4px; border: 1px solid var(--line); border-radius: 3px; margin: 0 2px 0 8px; }
dialog { border: 1px solid var(--line); border-radius: 12px; background: var(--bg); color: var(--text); width: min(760px, 92vw); }
dialog h2 { font-size: 16px; margin: 0 0 8px; }
.warn { color: var(--muted); margin: 0 0 8px; font-size: 13px; }
textarea { width: 100%; font: 12px ui-monospace, monospace; background: var(--surface); color: var(--text); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.buttons { text-align: right; margin-top: 8px; }
.toast { position: fixed; right: 20px; bottom: 40px; max-width: 60vw; padding: 8px 14px; border-radius: 8px; background: var(--bar); color: #fff; font-size: 13px; opacity: 0; transition: opacity .2s; pointer-events: none; }
.toast.show { opacity: 1; }
.toast.error { background: var(--bad); }
`;

export const PAGE_SCRIPT = `const $ = (id) => document.getElementById(id);
const state = { snapshot: { rows: [], sessions: [] }, byKey: new Map(), order: [], selected: 0, query: '', seq: 0 };
const keyOf = (row) => row.name || '@' + row.source;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function span(ms) {
  const m = Math.round(ms / 60000);
  if (m < 60) return m + 'm';
  const h = Math.floor(m / 60);
  return h < 48 ? h + 'h ' + (m % 60) + 'm' : Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
}
function until(iso) {
  const ms = Date.parse(iso) - Date.now();
  const title = new Date(iso).toLocaleString();
  return ms > 0 ? { text: 'ends in ' + span(ms), left: span(ms), ok: true, title } : { text: 'ended', left: '', ok: false, title };
}

let toastTimer;
function toast(text, error) {
  const t = $('toast');
  t.textContent = text;
  t.className = 'toast show' + (error ? ' error' : '');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.className = 'toast'), error ? 6000 : 3000);
}

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  const answer = await res.json().catch(() => ({ error: 'the portal answered HTTP ' + res.status }));
  if (!res.ok) throw new Error(answer.error || 'HTTP ' + res.status);
  return answer;
}

async function openConsole(row) {
  if (!row || !row.name) return;
  toast('Opening the console as ' + row.name + '…');
  try {
    const answer = await post('/api/open', { profile: row.name });
    toast('Opened the console as ' + answer.opened);
  } catch (err) { toast(err.message, true); }
}

async function copy(row, format) {
  try {
    const { text } = await post('/api/copy', { profile: row.name, format });
    $('copied-title').textContent = (format === 'json' ? 'credential_process JSON for ' : 'export lines for ') + row.name;
    $('copied-text').value = text;
    $('copied').showModal();
    $('copied-text').select();
    try { await navigator.clipboard.writeText(text); toast('Copied to the clipboard'); } catch { toast('Selected: press Ctrl-C to copy'); }
  } catch (err) { toast(err.message, true); }
}

async function signIn(session) {
  try {
    await post('/api/signin', { ssoSession: session });
    toast('Signing in to ' + session + ': finish in the browser tab that opened');
  } catch (err) { toast(err.message, true); }
}

function renderSessions() {
  const box = $('sessions');
  box.replaceChildren();
  for (const s of state.snapshot.sessions) {
    const item = el('span', 's');
    item.append(el('span', 'dot' + (s.signedIn ? ' on' : '')), el('strong', '', s.name));
    if (s.signInPending) item.append(el('span', 'muted', 'sign-in in progress'));
    else if (s.signedIn && s.expiresAt) { const u = until(s.expiresAt); const e = el('span', 'muted', 'sign-in ' + u.text); e.title = u.title; item.append(e); }
    else { item.append(el('span', 'bad', 'signed out')); const b = el('button', '', 'Sign in'); b.addEventListener('click', () => signIn(s.name)); item.append(b); }
    box.append(item);
  }
  const problem = $('problem');
  problem.hidden = !state.snapshot.problem;
  problem.textContent = state.snapshot.problem || '';
}

function cell(tr, ...children) {
  const td = el('td');
  td.append(...children);
  tr.append(td);
  return td;
}

function renderRows() {
  const body = $('rows');
  body.replaceChildren();
  state.order.forEach((key, index) => {
    const row = state.byKey.get(key);
    if (!row) return;
    const tr = el('tr', 'row' + (index === state.selected ? ' sel' : ''));
    tr.dataset.key = key;
    tr.addEventListener('click', () => { state.selected = index; markSelected(); });
    tr.addEventListener('dblclick', () => openConsole(row));
    const first = el('div', 'clip');
    first.append(el('span', 'name', row.name || '(no profile) ' + row.source));
    if (row.kind !== 'sso' && row.source) first.append(el('span', 'sub', '  ← ' + row.source));
    const nameCell = cell(tr, first);
    nameCell.title = row.error || (row.kind === 'sso' ? row.source : row.kind + ' from ' + row.source);
    if (row.error) nameCell.append(el('div', 'bad clip', row.error));
    cell(tr, el('div', 'clip', row.accountName || (row.accountId ? '' : '—')));
    cell(tr, el('span', 'mono', row.accountId));
    const email = cell(tr, el('div', 'mono clip email', row.email));
    email.title = row.email;
    cell(tr, el('span', '', row.roleName), ...(row.kind === 'sso' ? [] : [el('span', 'badge', row.kind)]));
    if (row.credentialsExpire) { const u = until(row.credentialsExpire); const c = el('span', 'creds ' + (u.ok ? 'ok' : 'muted'), u.ok ? u.left + ' left' : 'expired'); c.title = 'cached until ' + u.title; cell(tr, c); }
    else cell(tr, el('span', 'creds muted', '—'));
    if (row.signIn) {
      const u = row.signIn.signedIn && row.signIn.expiresAt ? until(row.signIn.expiresAt) : { text: 'ended', ok: false, title: '' };
      const s = el('span', 'signin ' + (u.ok ? '' : 'bad'), u.ok ? u.left + ' left' : 'ended'); s.title = u.title;
      cell(tr, s);
    } else cell(tr, el('span', 'signin muted', row.kind === 'sso' ? '—' : 'none'));
    const actions = cell(tr);
    actions.className = 'act';
    const button = (label, cls, fn) => { const b = el('button', cls, label); b.disabled = !row.name; b.addEventListener('click', (e) => { e.stopPropagation(); fn(); }); actions.append(b); };
    button('Console', 'primary', () => openConsole(row));
    button('Export', '', () => copy(row, 'export'));
    button('JSON', '', () => copy(row, 'json'));
    body.append(tr);
  });
  $('empty').hidden = state.order.length > 0;
  const total = state.snapshot.rows.length;
  $('count').textContent = state.query ? state.order.length + ' of ' + total : total + ' profiles';
}

function markSelected() {
  const rows = $('rows').children;
  for (let i = 0; i < rows.length; i++) rows[i].classList.toggle('sel', i === state.selected);
  rows[state.selected]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

async function search() {
  const seq = ++state.seq;
  const query = $('search').value;
  let order;
  if (query.trim() === '') order = state.snapshot.rows.map(keyOf);
  else {
    const res = await fetch('/api/search?q=' + encodeURIComponent(query), { credentials: 'same-origin' });
    order = (await res.json()).keys;
  }
  if (seq !== state.seq) return; // a later keystroke's answer wins
  state.query = query;
  state.order = order;
  state.selected = Math.min(state.selected, Math.max(0, order.length - 1));
  if (query !== state.lastQuery) state.selected = 0;
  state.lastQuery = query;
  renderRows();
}

function onSnapshot(snapshot) {
  state.snapshot = snapshot;
  state.byKey = new Map(snapshot.rows.map((r) => [keyOf(r), r]));
  renderSessions();
  search();
}

document.addEventListener('keydown', (e) => {
  if ($('copied').open) return;
  const inSearch = document.activeElement === $('search');
  if (e.key === '/' && !inSearch) { e.preventDefault(); $('search').focus(); $('search').select(); return; }
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const n = state.order.length;
    if (!n) return;
    state.selected = Math.max(0, Math.min(n - 1, state.selected + (e.key === 'ArrowDown' ? 1 : -1)));
    markSelected();
    return;
  }
  if (e.key === 'Enter' && (inSearch || document.activeElement === document.body)) { e.preventDefault(); openConsole(state.byKey.get(state.order[state.selected])); return; }
  if (e.key === 'Escape' && inSearch) { if ($('search').value) { $('search').value = ''; search(); } else $('search').blur(); }
});
$('search').addEventListener('input', () => search());
$('copied-close').addEventListener('click', () => { $('copied-text').value = ''; $('copied').close(); });
$('copied').addEventListener('close', () => { $('copied-text').value = ''; });

const events = new EventSource('/events');
events.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
// Lost: the browser retries by itself; the next snapshot clears the line.
events.addEventListener('error', () => { $('problem').hidden = false; $('problem').textContent = 'The portal does not answer: has keyfob portal stopped? Run it again for a new link.'; });
setInterval(() => { renderSessions(); renderRows(); }, 30000);
$('search').focus();
`;
