// hookfront inspector: a live list of requests from /api/events, each one's trace from
// /api/requests/{id}, and the hooks from /api/hooks. Plain DOM: every value goes in as text.
'use strict';

const MAX_ROWS = 1000;
const rows = new Map(); // id -> {summary, tr}
let selected = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else n.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

async function getJSON(url) {
  const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.status + ' ' + r.statusText);
  return body;
}

const short = { 'viewer-request': 'VReq', 'origin-request': 'OReq', 'origin-response': 'ORes', 'viewer-response': 'VRes' };

function timeOf(iso) {
  const d = new Date(iso);
  const p = (n, w) => String(n).padStart(w || 2, '0');
  return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
}

function statusClass(s) { return 's' + String(s).charAt(0); }

function attemptText(a) {
  return a.origin + ' ' + (a.error || a.status) + (a.for_page ? ' (page)' : '');
}

function searchText(s) {
  return [s.method, s.path, s.status, s.x_cache, s.behavior, s.note || '',
    s.hooks.map((h) => h.trigger + ' ' + h.outcome).join(' '), s.attempts.map(attemptText).join(' ')].join(' ').toLowerCase();
}

function makeRow(s) {
  const hooks = el('td');
  for (const h of s.hooks) {
    const cls = 'chip' + (h.outcome === 'error' ? ' error' : h.outcome === 'generated' ? ' generated' : '');
    const kind = h.function ? 'function ' : '';
    hooks.append(el('span', { class: cls, title: kind + h.trigger + ': ' + h.outcome, text: (h.function ? 'ƒ ' : '') + (short[h.trigger] || h.trigger) }));
  }
  const tr = el('tr', { 'data-id': s.id },
    el('td', { text: timeOf(s.time) }),
    el('td', { text: s.method }),
    el('td', { class: 'path', title: s.path, text: s.path }),
    el('td', { class: statusClass(s.status), text: s.status }),
    el('td', { text: (s.x_cache || '').replace(' from hookfront', '') }),
    el('td', { text: s.duration_ms.toFixed(1) }),
    hooks,
    el('td', { text: s.attempts.map(attemptText).join(' → ') }));
  tr.addEventListener('click', () => select(s.id));
  return tr;
}

function addSummary(s, atTop) {
  if (rows.has(s.id)) return;
  const tr = makeRow(s);
  rows.set(s.id, { summary: s, tr, text: searchText(s) });
  const body = $('requests').tBodies[0];
  if (atTop) body.prepend(tr); else body.append(tr);
  applyFilter(tr, rows.get(s.id).text);
  while (rows.size > MAX_ROWS) {
    const last = body.lastElementChild;
    rows.delete(last.getAttribute('data-id'));
    last.remove();
  }
  counts();
}

function applyFilter(tr, text) {
  const q = $('filter').value.trim().toLowerCase();
  tr.hidden = q !== '' && !text.includes(q);
}

function counts() {
  let shown = 0;
  for (const r of rows.values()) if (!r.tr.hidden) shown++;
  $('count').textContent = shown === rows.size ? rows.size + ' requests' : shown + ' of ' + rows.size;
  $('empty').hidden = rows.size > 0;
}

async function loadRecent() {
  try {
    const list = await getJSON('/api/requests?limit=' + MAX_ROWS);
    if (!list.tracing) $('notice').textContent = 'tracing is off (admin.trace: off)';
    for (const s of list.requests.slice().reverse()) addSummary(s, true);
  } catch (e) {
    $('notice').textContent = 'could not load requests: ' + e.message;
  }
}

// ---- one request ----

async function select(id) {
  selected = id;
  for (const r of rows.values()) r.tr.classList.toggle('selected', r.summary.id === id);
  const box = $('detail');
  box.replaceChildren(el('p', { class: 'empty', text: 'loading…' }));
  let t;
  try {
    t = await getJSON('/api/requests/' + encodeURIComponent(id));
  } catch (e) {
    box.replaceChildren(el('p', { class: 'empty', text: e.message }));
    return;
  }
  if (selected !== id) return;
  box.replaceChildren(renderTrace(t));
}

function renderTrace(t) {
  const frag = document.createDocumentFragment();
  frag.append(el('div', { class: 'summary' },
    el('b', { text: t.method + ' ' + t.path }), ' → ',
    el('span', { class: statusClass(t.status), text: String(t.status) }), ' ', t.x_cache));
  frag.append(el('div', { class: 'meta', text: [
    'id ' + t.id, 'host ' + t.host, 'behavior ' + t.behavior,
    t.generation ? 'hooks generation ' + t.generation : 'no hooks',
    t.duration_ms.toFixed(2) + ' ms', timeOf(t.time), t.note ? 'note: ' + t.note : ''].filter(Boolean).join(' · ') }));
  if (t.steps.length === 0) frag.append(el('p', { class: 'empty', text: 'No steps: the edge answered before any hook, cache or origin.' }));
  for (const s of t.steps) frag.append(renderStep(s));
  return frag;
}

function at(s) { return el('span', { class: 'at', text: '+' + s.at_ms.toFixed(2) + ' ms' }); }

function renderStep(s) {
  switch (s.kind) {
    case 'hook':
    case 'function': return renderHook(s);
    case 'cache': return el('div', { class: 'step cache' }, at(s),
      el('div', { class: 'head' }, 'cache ', el('b', { text: s.decision }), s.tier ? ' · ' + s.tier + ' tier' : '', s.ttl_s ? ' · TTL ' + s.ttl_s + ' s' : '', s.for_page ? ' (error-page fetch)' : ''),
      s.reason ? el('div', { class: 'why', text: s.reason }) : null,
      s.key ? el('div', { class: 'why', text: 'key ' + s.key }) : null);
    case 'attempt': return el('div', { class: 'step attempt' + (s.error || s.status >= 500 ? ' failed' : '') }, at(s),
      el('div', { class: 'head' }, 'origin ', el('b', { text: s.origin }), ' ', s.method + ' ', s.url || '', ' → ',
        el('b', { class: s.status ? statusClass(s.status) : 's5', text: s.error || String(s.status) }), ' · ' + s.duration_ms.toFixed(2) + ' ms',
        s.for_page ? ' (error-page fetch)' : ''),
      s.failover ? el('div', { class: 'why', text: 'failover to the next member: ' + s.failover }) : null,
      s.no_failover ? el('div', { class: 'why', text: 'no failover: ' + s.no_failover }) : null,
      s.skipped ? el('div', { class: 'why', text: 'not tried: origin health has this member ' + s.skipped + ' (nothing was sent)' }) : null);
    case 'page': return el('div', { class: 'step page' }, at(s),
      el('div', { class: 'head' }, 'custom error page for ', el('b', { text: String(s.status) }), ' from the ' + s.list + ' list',
        s.member ? ' (' + s.member + ')' : '', ': ', el('b', { text: s.file || s.path }), ' → ' + s.response_code));
  }
  return el('div', { class: 'step', text: JSON.stringify(s) });
}

function renderHook(s) {
  const failed = s.outcome === 'error';
  const outcome = failed ? 'error' : s.outcome === 'generated' ? 'generated a response' : s.changed ? 'continued, changed' : 'continued, unchanged';
  const box = el('div', { class: 'step hook' + (failed ? ' failed' : '') }, at(s),
    el('div', { class: 'head' }, s.kind === 'function' ? 'function ' : '', el('b', { text: s.trigger }), ' ',
      s.file ? s.file + (s.handler && s.handler !== 'handler' ? ' (' + s.handler + ')' : '') : '', ' · ' + outcome + ' · ' + s.duration_ms.toFixed(2) + ' ms',
      s.for_page ? ' (error-page fetch)' : '',
      s.compute_utilization !== undefined ? ' · compute utilization ' + s.compute_utilization + ' (' + s.runtime + ')' : ''));
  if (s.origin_calls && s.origin_calls.length) box.append(el('div', { class: 'why', text: 'origin helpers: ' + s.origin_calls.join(', ') }));
  if (s.error) {
    const pos = s.error.file ? s.error.file + (s.error.line ? ':' + s.error.line + ':' + s.error.column : '') + ': ' : '';
    box.append(el('div', { class: 'err', text: s.error.class + ': ' + pos + s.error.message }));
  }
  if ((s.console && s.console.length) || s.console_dropped_bytes) {
    const c = el('div', { class: 'console' });
    for (const l of s.console || []) c.append(el('div', { class: l.level, text: l.text }));
    if (s.console_dropped_bytes) c.append(el('div', { class: 'warn', text: '… ' + s.console_dropped_bytes + ' more bytes of console output not kept' }));
    box.append(c);
  }
  if (s.event) {
    // A Lambda@Edge event wraps request and response in Records[0].cf; a function's does not.
    const cf = s.kind === 'function' ? s.event : ((s.event.Records || [])[0] || {}).cf || {};
    const input = s.trigger.endsWith('request') ? cf.request : cf.response;
    const result = s.result === undefined ? null : s.result;
    box.append(el('div', { class: 'sides' },
      el('div', {}, el('div', { class: 'label', text: 'event in (' + (s.trigger.endsWith('request') ? 'cf.request' : 'cf.response') + ')' }), jsonView(input, result, 'removed')),
      el('div', {}, el('div', { class: 'label', text: failed ? 'result (none: the hook failed)' : 'result out (changes highlighted)' }), jsonView(result, input, 'changed'))));
  }
  return box;
}

// ---- JSON side by side: each line of v is marked when it differs from the other side ----

// same compares values as a hook sees them: a status of 200 is the same as "200".
function same(a, b) {
  if (a === b) return true;
  const oa = a !== null && typeof a === 'object', ob = b !== null && typeof b === 'object';
  if (!oa || !ob) return !oa && !ob && a != null && b != null && String(a) === String(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

function jsonLines(v, other, indent, key, last, out) {
  const pad = '  '.repeat(indent);
  const prefix = pad + (key === null ? '' : JSON.stringify(key) + ': ');
  const comma = last ? '' : ',';
  const changed = !same(v, other);
  if (v !== null && typeof v === 'object') {
    const isArr = Array.isArray(v);
    const keys = isArr ? v.map((_, i) => i) : Object.keys(v);
    const o = other !== null && typeof other === 'object' ? other : undefined;
    if (keys.length === 0) { out.push([prefix + (isArr ? '[]' : '{}') + comma, changed]); return; }
    out.push([prefix + (isArr ? '[' : '{'), changed && o === undefined]);
    keys.forEach((k, i) => jsonLines(v[k], o === undefined ? undefined : o[k], indent + 1, isArr ? null : k, i === keys.length - 1, out));
    out.push([pad + (isArr ? ']' : '}') + comma, false]);
    return;
  }
  out.push([prefix + JSON.stringify(v === undefined ? null : v) + comma, changed]);
}

function jsonView(v, other, mark) {
  const out = [];
  jsonLines(v === undefined ? null : v, other, 0, null, true, out);
  const box = el('div', { class: 'json' });
  for (const [text, changed] of out) box.append(el('div', { class: 'ln' + (changed ? ' ' + mark : ''), text }));
  return box;
}

// ---- hooks panel and the reload banner ----

async function loadHooks() {
  let h;
  try {
    h = await getJSON('/api/hooks');
  } catch (e) {
    $('hooks-body').replaceChildren(el('p', { class: 'muted', text: e.message }));
    return;
  }
  $('generation').textContent = h.generation ? 'hooks generation ' + h.generation : '';
  const body = [];
  if (h.dir) body.push(el('div', { class: 'muted', text: h.dir }));
  if (h.behaviors.length === 0) body.push(el('p', { class: 'muted', text: 'No hooks are bound.' }));
  for (const b of h.behaviors) {
    const box = el('div', { class: 'behavior' }, 'behavior ', el('b', { text: b.behavior }));
    for (const x of b.hooks) box.append(el('div', { class: 'binding', text: x.trigger + ' → ' + x.file + (x.handler !== 'handler' ? ' (' + x.handler + ')' : '') }));
    body.push(box);
  }
  if (h.unbound.length) body.push(el('h3', { text: 'Other files' }), el('div', { class: 'binding', text: h.unbound.join('\n') }));
  $('hooks-body').replaceChildren(...body);
  banner(h.last_error, h.config_error);
}

function problemText(rl) {
  const what = rl.kind === 'config' ? 'The config reload failed' : 'The newest hooks do not load';
  const lines = (rl.problems || []).map((p) => (p.file ? p.file + (p.line ? ':' + p.line + (p.column ? ':' + p.column : '') : '') + ': ' : '') + p.message);
  return what + ' — the previous version keeps serving.\n' + (lines.length ? lines.join('\n') : rl.error);
}

function banner(hooksErr, configErr) {
  const b = $('banner');
  const parts = [hooksErr, configErr].filter(Boolean).map(problemText);
  b.textContent = parts.join('\n\n');
  b.hidden = parts.length === 0;
}

// ---- live updates ----

function connect() {
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => {
    $('live').textContent = 'live';
    $('live').classList.remove('off');
    loadRecent();
    loadHooks();
  });
  es.addEventListener('error', () => {
    $('live').textContent = 'reconnecting…';
    $('live').classList.add('off');
  });
  es.addEventListener('request', (e) => addSummary(JSON.parse(e.data), true));
  es.addEventListener('reload', () => loadHooks());
  es.addEventListener('dropped', (e) => {
    const d = JSON.parse(e.data);
    $('notice').textContent = d.dropped + ' events were dropped (this page fell behind); reload to catch up';
  });
}

$('filter').addEventListener('input', () => {
  for (const r of rows.values()) applyFilter(r.tr, r.text);
  counts();
});
counts();
connect();
