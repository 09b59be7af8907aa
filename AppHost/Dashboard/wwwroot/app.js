// Imaging platform dashboard: a hash-routed page that polls the app host's JSON API about once a second.
// Everything shown comes from telemetry and is untrusted, so the DOM is built with createElement/textContent only.

const POLL_MS = 1000;
const LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical'];
const COMMAND_ORDER = ['start', 'stop', 'restart'];
const MAX_CONSOLE_LINES = 5000;
const MAX_SERIES = 10;
const SVG_NS = 'http://www.w3.org/2000/svg';

// ---------- DOM helpers ----------

const SAFE_HREF = /^(#|\/(?!\/)|https?:\/\/)/i;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') node.setAttribute('class', value);
    else if (key === 'style') for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, String(v));
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'href' && !SAFE_HREF.test(value)) continue; // defence in depth: never a javascript: or data: link
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

/** A link to a URL from the API: clickable only for http(s), plain text otherwise. */
function extLink(url) {
  return /^https?:\/\//i.test(url)
    ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url)
    : el('span', { class: 'muted' }, url);
}

function hashLink(path, text, attrs) {
  return el('a', { ...attrs, href: '#/' + path }, text);
}

const enc = encodeURIComponent;

function debounce(fn, ms) {
  let timer = 0;
  return (...args) => { clearTimeout(timer); timer = setTimeout(fn, ms, ...args); };
}

/**
 * Reconciles the rows of a tbody by key. A row is rebuilt only when its item changed and is moved only when the
 * order changed, so hover, focus and a click in progress survive the once-a-second refresh.
 */
function syncRows(tbody, items, keyOf, build) {
  const old = new Map();
  for (const tr of tbody.children) if (tr._key !== undefined) old.set(tr._key, tr);
  const rows = items.map(item => {
    const key = keyOf(item);
    const sig = JSON.stringify(item);
    let tr = old.get(key);
    if (!tr || tr._sig !== sig) {
      tr = build(item);
      Object.assign(tr, { _key: key, _sig: sig });
    }
    tr._item = item;
    return tr;
  });
  let cursor = tbody.firstChild;
  for (const tr of rows) {
    if (tr === cursor) cursor = cursor.nextSibling;
    else tbody.insertBefore(tr, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

/** Fills a select only when its options changed (rebuilding closes an open dropdown); keeps `value` selectable. */
function syncOptions(select, options, value) {
  if (value && !options.some(([v]) => v === value)) options = [...options, [value, value]];
  const sig = JSON.stringify(options);
  if (select._sig !== sig) {
    select._sig = sig;
    select.replaceChildren(...options.map(([v, label]) => el('option', { value: v }, label)));
  }
  if (select.value !== value) select.value = value;
}

/** replaceChildren that accepts nested arrays and skips null/false, as el() does. */
function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter(c => c != null && c !== false));
}

/** Lets long dotted names (scopes, instruments) wrap after a dot instead of mid-word. */
function dotted(text) {
  return String(text).split(/(?<=\.)/).flatMap((part, i) => (i ? [el('wbr'), part] : [part]));
}

function field(label, control) {
  return el('label', { class: 'field' }, el('span', {}, label), control);
}

function table(id, headers, tbody) {
  return el('table', { id, class: 'grid' }, el('thead', {}, el('tr', {}, headers.map(h => el('th', {}, h)))), tbody);
}

function kvTable(rows) {
  return el('table', { class: 'kv' }, el('tbody', {}, rows.filter(Boolean).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v ?? '—')))));
}

function attrText(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function attrTable(attributes) {
  if (!attributes?.length) return el('p', { class: 'muted' }, 'No attributes.');
  return kvTable(attributes.map(a => [a.key, attrText(a.value)]));
}

// ---------- formatting ----------

const pad = (n, width = 2) => String(n).padStart(width, '0');

function clock(value, withMs = true) {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${hms}.${pad(d.getMilliseconds(), 3)}` : hms;
}

/** Local time, prefixed with the date when it is not today. */
function when(value, withMs = true, short = false) {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  if (new Date().toDateString() === d.toDateString()) return clock(d, withMs);
  const date = `${short ? '' : `${d.getFullYear()}-`}${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${short ? clock(d, false).slice(0, 5) : clock(d, withMs)}`;
}

const fmtMs = v => `${(Number(v) || 0).toFixed(1)} ms`;

function fmtNum(v) {
  if (v == null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(4))}G`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(4))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

/** OTel units: "1" means dimensionless, "{request}" is an annotation. */
function fmtUnit(unit) {
  if (!unit || unit === '1') return '';
  return unit.replace(/^\{(.*)\}$/, '$1');
}

// ANSI colour codes are common in process output and unreadable as text.
const stripAnsi = text => String(text ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

// ---------- colours and badges ----------

function hue(name) {
  let h = 0x811c9dc5; // FNV-1a
  for (const ch of String(name)) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193);
  return (h >>> 0) % 360;
}

function chip(name) {
  return el('span', { class: 'chip', style: { '--hue': hue(name) }, title: name }, name);
}

const TONES = {
  Running: 'ok', Healthy: 'ok', Ok: 'ok',
  Starting: 'warn', Waiting: 'warn', Warning: 'warn',
  Exited: 'bad', FailedToStart: 'bad', Unhealthy: 'bad', Error: 'bad', Critical: 'bad',
  Information: 'info',
};

function badge(text, title) {
  return el('span', { class: `badge ${TONES[text] ?? 'grey'}`, title }, text);
}

// ---------- API ----------

class Unauthorized extends Error {}

async function api(path, options) {
  const res = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' }, ...options });
  if (res.status === 401) throw new Unauthorized('401');
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON: use the status line */ }
  if (!res.ok) {
    const error = new Error(body?.detail || body?.title || `${res.status} ${res.statusText}`);
    error.status = res.status;
    throw error;
  }
  return body;
}

function query(values) {
  const q = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== '' && v != null)).toString();
  return q ? `?${q}` : '';
}

/** Keeps the hash in step with filters without a hashchange (which would rebuild the page). */
function setHashQuery(path, values) {
  // A debounced filter change can land after the user moved to another page; leave that page's hash alone.
  if (parseHash().segments[0] !== path.split('/')[0]) return;
  history.replaceState(null, '', `#/${path}${query(values)}`);
}

// ---------- shell: routing, polling, status ----------

let session = null;
let loggedOut = false;
let lastConsoleResource = '';

const PAGES = { resources: resourcesPage, console: consolePage, logs: logsPage, traces: tracesPage, metrics: metricsPage };
const TITLES = { resources: 'Resources', console: 'Console', logs: 'Structured logs', traces: 'Traces', metrics: 'Metrics' };

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const decode = s => { try { return decodeURIComponent(s); } catch { return s; } };
  return { segments: path.split('/').filter(Boolean).map(decode), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

function startRoute() {
  if (loggedOut) return;
  if (session) { session.alive = false; clearTimeout(session.timer); }
  const { segments, params } = parseHash();
  const name = PAGES[segments[0]] ? segments[0] : 'resources';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.route === name);
  document.title = `${TITLES[name]} · Imaging platform dashboard`;
  const main = document.getElementById('main');
  main.replaceChildren();
  main.className = `page-${name}`;
  const s = { alive: true, timer: 0, busy: false, again: false };
  session = s;
  s.page = PAGES[name](main, segments.slice(1), params);
  tick(s);
}

async function tick(s) {
  if (!s.alive || loggedOut) return;
  if (s.busy) { s.again = true; return; }
  clearTimeout(s.timer);
  if (!document.hidden) {
    s.busy = true;
    try {
      await s.page.refresh();
      if (s.alive) setStatus(null);
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin();
      if (s.alive) setStatus(error);
    } finally {
      s.busy = false;
    }
  }
  if (!s.alive || loggedOut) return;
  s.timer = setTimeout(tick, s.again ? 0 : POLL_MS, s);
  s.again = false;
}

const refreshNow = () => session && tick(session);

function setStatus(error) {
  const status = document.getElementById('status');
  if (error) {
    status.className = 'status bad';
    status.textContent = error.status
      ? `The app host answered ${error.status}: ${error.message} — retrying`
      : `Cannot reach the app host (${error.message}) — retrying`;
  } else {
    status.className = 'status';
    status.textContent = `Updated ${clock(new Date(), false)}`;
  }
}

function showLogin() {
  loggedOut = true;
  if (session) { session.alive = false; clearTimeout(session.timer); }
  document.body.replaceChildren(el('div', { class: 'login' },
    el('h1', {}, 'Imaging platform dashboard'),
    el('p', {}, 'Log in with the link the app host printed at start (…/login?t=…).')));
}

function notice(host, text, tone) {
  clearTimeout(host._timer);
  host.hidden = false;
  host.className = `notice ${tone}`;
  host.replaceChildren(el('span', {}, text), el('button', { class: 'link', title: 'Dismiss', onclick: () => { host.hidden = true; } }, '×'));
  host._timer = setTimeout(() => { host.hidden = true; }, tone === 'bad' ? 15000 : 5000);
}

// ---------- Resources ----------

function resourcesPage(root) {
  const tbody = el('tbody');
  const message = el('div', { class: 'notice', hidden: true, role: 'status' });
  const empty = el('p', { class: 'empty', hidden: true }, 'No resources yet — the app host is still starting.');
  root.append(el('h1', {}, 'Resources'), message,
    el('div', { class: 'table-wrap' }, table('resources-table', ['Name', 'Kind', 'Runtime', 'State', 'Health', 'Endpoints', 'Restarts', 'Started', 'Message', 'Actions'], tbody)),
    empty);

  async function run(name, command, button) {
    button.disabled = true;
    try {
      await api(`/api/resources/${enc(name)}/commands/${enc(command)}`, { method: 'POST' });
      notice(message, `${command} requested for ${name}`, 'ok');
      refreshNow();
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin();
      notice(message, `${command} ${name}: ${error.message}`, 'bad');
    } finally {
      button.disabled = false;
    }
  }

  function row(r) {
    const ended = ['Exited', 'FailedToStart', 'Finished'].includes(r.state) && r.exitCode != null;
    const replicas = r.replicaIds?.length > 1
      ? el('span', { class: 'small muted', title: r.replicaIds.join('\n') }, ` ×${r.replicaIds.length}`) : null;
    const waits = r.waitsFor?.length && ['Waiting', 'NotStarted'].includes(r.state)
      ? el('div', { class: 'small muted' }, `waits for ${r.waitsFor.join(', ')}`) : null;
    const commands = COMMAND_ORDER.filter(c => r.commands?.includes(c)).map(c =>
      el('button', { 'data-command': c, onclick: e => run(r.name, c, e.currentTarget) }, c));
    return el('tr', { 'data-resource': r.name },
      el('td', { class: 'name' }, el('span', { class: 'dot', style: { '--hue': hue(r.name) } }), r.name, replicas),
      el('td', {}, r.kind),
      el('td', {}, r.runtime, r.pids?.length ? el('div', { class: 'small muted' }, `pid ${r.pids.join(', ')}`) : null),
      el('td', {}, badge(r.state), ended ? el('span', { class: 'small muted' }, ` exit ${r.exitCode}`) : null),
      el('td', {}, badge(r.health)),
      el('td', { class: 'endpoints' }, (r.endpoints ?? []).map(u => el('div', {}, extLink(u))),
        (r.links ?? []).map(l => el('div', { class: 'resource-link' }, el('a', { href: l.url, target: '_blank', rel: 'noopener noreferrer' }, l.displayText)))),
      el('td', { class: 'num' }, String(r.restarts ?? 0)),
      el('td', { class: 'started', title: r.startedAt ?? '' }, r.startedAt ? when(r.startedAt, false, true) : '—'),
      el('td', { class: 'message' }, r.message ? el('div', { class: 'clamp', title: r.message }, r.message) : null, waits),
      el('td', { class: 'actions' }, hashLink(`console/${enc(r.name)}`, 'console', { class: 'console-link' }), commands));
  }

  return {
    async refresh() {
      const resources = await api('/api/resources');
      syncRows(tbody, resources, r => r.name, row);
      empty.hidden = resources.length > 0;
      tbody.parentElement.hidden = !empty.hidden;
    },
  };
}

// ---------- Console ----------

function consolePage(root, [name = '']) {
  if (name) lastConsoleResource = name;
  document.querySelector('#nav a[data-route="console"]').href = `#/console/${enc(lastConsoleResource)}`;
  const select = el('select', { id: 'console-resource', onchange: () => { location.hash = `#/console/${enc(select.value)}`; } });
  const lines = el('div', { id: 'console-lines', class: 'console', role: 'log', tabindex: 0 });
  const info = el('span', { class: 'muted small' });
  const empty = el('p', { class: 'empty', hidden: true });
  root.append(el('h1', {}, 'Console'), el('div', { class: 'toolbar' }, field('Resource', select), info), empty, lines);
  let after = 0;
  let count = 0;

  function line(l) {
    return el('div', { class: l.isError ? 'line error' : 'line' },
      el('span', { class: 'ts' }, clock(l.timestamp)), ' ',
      l.source ? el('span', { class: 'src' }, l.source) : null, l.source ? ' ' : null,
      stripAnsi(l.text));
  }

  return {
    async refresh() {
      const resources = await api('/api/resources');
      syncOptions(select, [['', 'Choose a resource…'], ...resources.map(r => [r.name, r.name])], name);
      if (!name) {
        if (resources.length) {
          // Only if the user is still on the bare #/console (this answer may arrive after they left).
          if (location.hash.replace(/\/+$/, '') === '#/console') location.replace(`#/console/${enc(lastConsoleResource || resources[0].name)}`);
          return;
        }
        empty.hidden = false;
        empty.textContent = 'No resources yet — the app host is still starting.';
        lines.hidden = true;
        return;
      }
      let data;
      try {
        data = await api(`/api/resources/${enc(name)}/console?after=${after}`);
      } catch (error) {
        if (error.status !== 404) throw error;
        empty.hidden = false;
        empty.textContent = `There is no resource named “${name}”.`;
        lines.hidden = true;
        return;
      }
      lines.hidden = false;
      const atBottom = lines.scrollHeight - lines.scrollTop - lines.clientHeight < 8;
      const fresh = (data?.lines ?? []).filter(l => l.sequence > after);
      if (fresh.length) {
        for (const l of fresh) after = Math.max(after, l.sequence);
        count += fresh.length;
        lines.append(...fresh.slice(-MAX_CONSOLE_LINES).map(line));
        while (lines.childElementCount > MAX_CONSOLE_LINES) lines.firstElementChild.remove();
        if (atBottom) lines.scrollTop = lines.scrollHeight;
      }
      empty.hidden = count > 0;
      empty.textContent = 'No output yet.';
      info.textContent = count ? `${count} lines${count > MAX_CONSOLE_LINES ? ` (last ${MAX_CONSOLE_LINES} shown)` : ''}` : '';
    },
  };
}

// ---------- Structured logs ----------

function logsPage(root, _segments, params) {
  const f = { resource: params.get('resource') ?? '', level: params.get('level') ?? '', text: params.get('text') ?? '', traceId: params.get('traceId') ?? '' };
  const changed = () => { setHashQuery('logs', f); refreshNow(); };
  const typed = debounce(changed, 250);
  const resource = el('select', { id: 'logs-resource', onchange: () => { f.resource = resource.value; changed(); } });
  const level = el('select', { id: 'logs-level', onchange: () => { f.level = level.value; changed(); } },
    el('option', { value: '' }, 'All'), LEVELS.map(l => el('option', { value: l }, l)));
  level.value = f.level;
  const text = el('input', { id: 'logs-text', type: 'search', placeholder: 'Message contains…', value: f.text, oninput: () => { f.text = text.value; typed(); } });
  const trace = el('input', { id: 'logs-trace', type: 'search', placeholder: 'Trace ID', value: f.traceId, oninput: () => { f.traceId = trace.value.trim(); typed(); } });
  const count = el('span', { class: 'muted small' });
  const tbody = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true });
  const details = el('aside', { id: 'log-details', class: 'details', hidden: true });
  const split = el('div', { class: 'split' }, el('div', { class: 'split-main' }, table('logs-table', ['Time', 'Resource', 'Level', 'Message', 'Trace'], tbody), empty), details);
  root.append(el('h1', {}, 'Structured logs'),
    el('div', { class: 'toolbar' }, field('Resource', resource), field('Minimum level', level), field('Text', text), field('Trace', trace), count),
    split);
  let selected = null;

  tbody.addEventListener('click', e => {
    const tr = e.target.closest('tr[data-log-id]');
    if (!tr || e.target.closest('a')) return;
    selected = selected?.id === tr._item.id ? null : tr._item;
    showSelection();
  });

  function markSelected() {
    for (const tr of tbody.children) tr.classList.toggle('selected', tr._item?.id === selected?.id);
  }

  function showSelection() {
    markSelected();
    split.classList.toggle('has-details', !!selected);
    details.hidden = !selected;
    if (!selected) return details.replaceChildren();
    const e = selected;
    details.replaceChildren(
      el('div', { class: 'panel-head' }, el('h2', {}, badge(e.level), ' ', dotted(e.category || 'Log entry')),
        el('button', { class: 'link', title: 'Close', onclick: () => { selected = null; showSelection(); } }, '×')),
      el('pre', { class: 'message-full' }, e.message),
      kvTable([
        ['Time', when(e.timestamp)],
        ['Resource', chip(e.resource)],
        ['Instance', e.instance],
        ['Category', e.category],
        e.traceId && ['Trace', hashLink(`traces/${enc(e.traceId)}${e.spanId ? `?span=${enc(e.spanId)}` : ''}`, e.traceId)],
        e.spanId && ['Span', e.spanId],
      ]),
      el('h3', {}, 'Attributes'), attrTable(e.attributes));
  }

  function row(e) {
    return el('tr', { 'data-log-id': e.id, class: `level-${String(e.level).toLowerCase()}` },
      el('td', { class: 'nowrap', title: e.timestamp }, clock(e.timestamp)),
      el('td', {}, chip(e.resource)),
      el('td', {}, badge(e.level)),
      el('td', { class: 'message', title: e.message }, String(e.message ?? '').split('\n', 1)[0]),
      el('td', {}, e.traceId ? hashLink(`traces/${enc(e.traceId)}`, e.traceId.slice(0, 7), { class: 'trace-link', title: e.traceId }) : null));
  }

  return {
    async refresh() {
      const [resources, data] = await Promise.all([
        api('/api/resources'),
        api(`/api/logs${query({ ...f, limit: 200 })}`),
      ]);
      syncOptions(resource, [['', 'All'], ...resources.map(r => [r.name, r.name])], f.resource);
      const entries = data?.entries ?? [];
      syncRows(tbody, entries, e => e.id, row);
      count.textContent = data?.total > entries.length ? `${entries.length} newest of ${data.total}` : `${entries.length} entries`;
      const filtered = f.resource || f.level || f.text || f.traceId;
      empty.hidden = entries.length > 0;
      tbody.parentElement.hidden = !empty.hidden;
      empty.textContent = filtered ? 'No log entries match these filters.' : 'No logs yet — make a request to a service.';
      markSelected();
    },
  };
}

// ---------- Traces ----------

function tracesPage(root, [traceId], params) {
  return traceId ? traceDetailPage(root, traceId, params) : traceListPage(root, params);
}

function traceListPage(root, params) {
  const f = { resource: params.get('resource') ?? '', text: params.get('text') ?? '' };
  const changed = () => { setHashQuery('traces', f); refreshNow(); };
  const typed = debounce(changed, 250);
  const resource = el('select', { id: 'traces-resource', onchange: () => { f.resource = resource.value; changed(); } });
  const text = el('input', { id: 'traces-text', type: 'search', placeholder: 'Name contains…', value: f.text, oninput: () => { f.text = text.value; typed(); } });
  const count = el('span', { class: 'muted small' });
  const tbody = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true });
  root.append(el('h1', {}, 'Traces'),
    el('div', { class: 'toolbar' }, field('Resource', resource), field('Text', text), count),
    table('traces-table', ['Time', 'Name', 'Resources', 'Spans', 'Errors', 'Duration'], tbody), empty);

  tbody.addEventListener('click', e => {
    const tr = e.target.closest('tr[data-trace-id]');
    if (tr && !e.target.closest('a')) location.hash = `#/traces/${enc(tr.dataset.traceId)}`;
  });

  function row(t) {
    return el('tr', { 'data-trace-id': t.traceId },
      el('td', { class: 'nowrap', title: t.start }, clock(t.start)),
      el('td', {}, hashLink(`traces/${enc(t.traceId)}`, t.name || '(unnamed)'), el('span', { class: 'small muted mono' }, ` ${t.traceId.slice(0, 7)}`)),
      el('td', {}, (t.resources ?? []).map(chip)),
      el('td', { class: 'num' }, String(t.spanCount)),
      el('td', { class: t.errorCount > 0 ? 'num errors' : 'num muted' }, String(t.errorCount)),
      el('td', { class: 'duration' }, el('span', { class: 'dur-bar', style: { width: `${t.barPct}%` } }), el('span', {}, fmtMs(t.durationMs))));
  }

  return {
    async refresh() {
      const [resources, data] = await Promise.all([api('/api/resources'), api(`/api/traces${query({ ...f, limit: 100 })}`)]);
      syncOptions(resource, [['', 'All'], ...resources.map(r => [r.name, r.name])], f.resource);
      const traces = data?.traces ?? [];
      const longest = Math.max(0, ...traces.map(t => t.durationMs)) || 1;
      syncRows(tbody, traces.map(t => ({ ...t, barPct: Math.round(1000 * t.durationMs / longest) / 10 })), t => t.traceId, row);
      count.textContent = data?.total > traces.length ? `${traces.length} newest of ${data.total}` : `${traces.length} traces`;
      empty.hidden = traces.length > 0;
      tbody.parentElement.hidden = !empty.hidden;
      empty.textContent = f.resource || f.text ? 'No traces match these filters.' : 'No traces yet — make a request to a service.';
    },
  };
}

/** Depth-first from the roots; a span whose parent is not in the trace is a root. Children sorted by start. */
function spanTree(spans) {
  const ids = new Set(spans.map(s => s.spanId));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && s.parentSpanId !== s.spanId && ids.has(s.parentSpanId)) {
      if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
      children.get(s.parentSpanId).push(s);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a, b) => a.startOffsetMs - b.startOffsetMs;
  const out = [];
  const seen = new Set();
  const stack = roots.sort(byStart).reverse().map(span => ({ span, depth: 0 }));
  while (stack.length) {
    const item = stack.pop();
    if (seen.has(item.span.spanId)) continue;
    seen.add(item.span.spanId);
    out.push(item);
    const kids = (children.get(item.span.spanId) ?? []).sort(byStart);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: item.depth + 1 });
  }
  // Spans in a parent cycle are reachable from no root; show them rather than drop them.
  for (const span of spans) if (!seen.has(span.spanId)) { seen.add(span.spanId); out.push({ span, depth: 0 }); }
  return out;
}

function traceDetailPage(root, traceId, params) {
  let selectedId = params.get('span') ?? '';
  let trace = null;
  let sig = '';
  const header = el('div', { class: 'trace-header' }, el('h1', {}, 'Trace'));
  const waterfall = el('div', { id: 'waterfall' });
  const details = el('div', { id: 'span-details', class: 'details', hidden: true });
  const split = el('div', { class: 'split' }, el('div', { class: 'split-main' }, waterfall), details);
  root.append(hashLink('traces', '← All traces', { class: 'back' }), header, split);

  waterfall.addEventListener('click', e => {
    const row = e.target.closest('.span-row');
    if (row) select(row.dataset.spanId === selectedId ? '' : row.dataset.spanId);
  });
  waterfall.addEventListener('keydown', e => { if (e.key === 'Enter') e.target.closest('.span-row')?.click(); });

  function select(spanId) {
    selectedId = spanId;
    setHashQuery(`traces/${enc(traceId)}`, { span: spanId });
    showSelection();
  }

  function showSelection() {
    for (const row of waterfall.querySelectorAll('.span-row')) row.classList.toggle('selected', row.dataset.spanId === selectedId);
    const span = trace?.spans.find(s => s.spanId === selectedId);
    split.classList.toggle('has-details', !!span);
    details.hidden = !span;
    const next = span ? JSON.stringify(span) : '';
    if (details._sig !== next) {
      details._sig = next;
      fill(details, span ? spanDetails(span) : []);
    }
  }

  function spanDetails(s) {
    const exceptions = (s.events ?? []).filter(ev => ev.name === 'exception');
    const attr = (ev, key) => ev.attributes?.find(a => a.key === key)?.value;
    return [
      el('div', { class: 'panel-head' }, el('h2', {}, s.name), el('button', { class: 'link', title: 'Close', onclick: () => select('') }, '×')),
      kvTable([
        ['Resource', chip(s.resource)],
        ['Instance', s.instance],
        ['Kind', s.kind],
        ['Status', el('span', {}, badge(s.status), s.statusMessage ? ` ${s.statusMessage}` : '')],
        ['Scope', s.scope],
        ['Start', when(s.start)],
        ['Offset', fmtMs(s.startOffsetMs)],
        ['Duration', fmtMs(s.durationMs)],
        ['Span ID', el('span', { class: 'mono' }, s.spanId)],
        ['Parent', s.parentSpanId ? el('span', { class: 'mono' }, s.parentSpanId) : '—'],
      ]),
      exceptions.map(ev => el('div', { class: 'exception' },
        el('div', { class: 'exception-title' }, attrText(attr(ev, 'exception.type') ?? 'Exception'), `: ${attrText(attr(ev, 'exception.message') ?? '')}`),
        attr(ev, 'exception.stacktrace') ? el('pre', {}, attrText(attr(ev, 'exception.stacktrace'))) : null)),
      el('p', {}, hashLink(`logs?traceId=${enc(trace.traceId)}`, 'logs of this trace')),
      el('h3', {}, 'Attributes'), attrTable(s.attributes),
      el('h3', {}, `Events (${s.events?.length ?? 0})`),
      (s.events ?? []).map(ev => el('div', { class: ev.name === 'exception' ? 'event exception-event' : 'event' },
        el('div', {}, el('strong', {}, ev.name), el('span', { class: 'muted small' }, ` +${fmtMs(ev.offsetMs)}`)),
        attrTable((ev.attributes ?? []).filter(a => a.key !== 'exception.stacktrace')))),
      s.links?.length ? [el('h3', {}, 'Links'), s.links.map(l => el('div', { class: 'mono small' },
        hashLink(`traces/${enc(l.traceId)}?span=${enc(l.spanId)}`, `${l.traceId} / ${l.spanId}`)))] : null,
    ];
  }

  function render() {
    const spans = trace.spans ?? [];
    const total = Math.max(trace.durationMs, ...spans.map(s => s.startOffsetMs + s.durationMs)) || 1;
    const pct = v => Math.min(100, Math.max(0, 100 * v / total));
    const resources = [...new Set(spans.map(s => s.resource))];
    const errors = spans.filter(s => s.status === 'Error').length;
    header.replaceChildren(
      el('h1', {}, trace.name || '(unnamed trace)'),
      el('div', { class: 'meta' },
        el('span', {}, when(trace.start)), el('span', {}, fmtMs(trace.durationMs)),
        el('span', {}, `${spans.length} spans`), errors ? el('span', { class: 'errors' }, `${errors} errors`) : null,
        el('span', {}, resources.map(chip)), el('span', { class: 'mono small muted' }, trace.traceId),
        hashLink(`logs?traceId=${enc(trace.traceId)}`, 'logs of this trace')));

    const axis = el('div', { class: 'axis-row' }, el('div', { class: 'span-label muted small' }, 'Span'),
      el('div', { class: 'track axis' }, [0, 25, 50, 75, 100].map(p => el('span', { class: 'axis-tick', style: { left: `${p}%` } }, fmtMs(total * p / 100)))));
    const rows = spanTree(spans).map(({ span: s, depth }) => {
      const left = pct(s.startOffsetMs);
      const width = Math.max(0, pct(s.startOffsetMs + s.durationMs) - left);
      return el('div', { class: s.status === 'Error' ? 'span-row error' : 'span-row', tabindex: 0, 'data-span-id': s.spanId, 'data-resource': s.resource, style: { '--hue': hue(s.resource) } },
        el('div', { class: 'span-label', style: { 'padding-left': `${6 + depth * 16}px` }, title: s.name },
          chip(s.resource), el('span', { class: 'span-name' }, s.name), el('span', { class: 'kind' }, s.kind)),
        el('div', { class: 'track' },
          el('div', { class: 'bar', style: { left: `${left}%`, width: `${width}%` } }),
          (s.events ?? []).map(ev => el('span', {
            class: ev.name === 'exception' ? 'event-tick exc' : 'event-tick',
            style: { left: `${pct(s.startOffsetMs + ev.offsetMs)}%` }, title: `${ev.name} +${fmtMs(ev.offsetMs)}`,
          })),
          el('span', { class: 'bar-label', style: { left: `${left + width}%` } }, fmtMs(s.durationMs))));
    });
    waterfall.replaceChildren(axis, ...rows);
  }

  return {
    async refresh() {
      let data;
      try {
        data = await api(`/api/traces/${enc(traceId)}`);
      } catch (error) {
        if (error.status !== 404) throw error;
        header.replaceChildren(el('h1', {}, 'Trace not found'),
          el('p', { class: 'empty' }, `No trace ${traceId} — it may still be arriving, or it is older than what the app host keeps.`));
        split.hidden = true;
        sig = '';
        return;
      }
      split.hidden = false;
      const next = JSON.stringify(data);
      if (next === sig) return;
      sig = next;
      trace = data;
      render();
      showSelection();
    },
  };
}

// ---------- Metrics ----------

function niceTicks(lo, hi, count = 5) {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v <= Math.ceil(hi / step) * step + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const seriesLabel = attrs => Object.entries(attrs ?? {}).map(([k, v]) => `${k}=${attrText(v)}`).join(', ') || '(no attributes)';
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
const PERCENTILES = [['p50', null], ['p90', '6 3'], ['p99', '2 3']];

function drawChart(host, data) {
  const histogram = data.type === 'histogram';
  const keys = histogram ? PERCENTILES : [['value', null]];
  const all = (data.series ?? []).map(s => ({ label: seriesLabel(s.attributes), points: s.points ?? [] }))
    .sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
  const series = all.slice(0, MAX_SERIES);
  for (const s of series) for (const p of s.points) p.t = new Date(p.time).getTime();
  const times = series.flatMap(s => s.points.map(p => p.t)).filter(Number.isFinite);
  if (!times.length) return host.replaceChildren(el('p', { class: 'empty' }, 'No data points yet.'));

  const tMax = Math.max(...times);
  let tMin = Math.max(Math.min(...times), tMax - 5 * 60_000);
  if (tMin >= tMax) tMin = tMax - 60_000;
  const inView = p => p.t >= tMin;
  const values = series.flatMap(s => s.points.filter(inView).flatMap(p => keys.map(([k]) => p[k]))).filter(Number.isFinite);
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi === lo) hi = lo + 1;
  const yTicks = niceTicks(lo, hi);
  [lo, hi] = [yTicks[0], yTicks.at(-1)];

  const W = Math.max(420, host.clientWidth || 800), H = 300;
  const m = { l: 64, r: 20, t: 24, b: 28 };
  const x = t => m.l + (t - tMin) / (tMax - tMin) * (W - m.l - m.r);
  const y = v => H - m.b - (v - lo) / (hi - lo) * (H - m.t - m.b);

  const stepS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].find(s => (tMax - tMin) / (s * 1000) <= 6) ?? 600;
  const xTicks = [];
  for (let t = Math.ceil(tMin / (stepS * 1000)) * stepS * 1000; t <= tMax; t += stepS * 1000) xTicks.push(t);

  const chart = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${data.name} chart` },
    yTicks.map(v => svg('g', { class: 'tick' },
      svg('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v) }),
      svg('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmtNum(v)))),
    xTicks.map(t => svg('g', { class: 'tick' },
      svg('line', { x1: x(t), x2: x(t), y1: m.t, y2: H - m.b }),
      svg('text', { x: x(t), y: H - m.b + 16, 'text-anchor': 'middle' }, clock(new Date(t), false)))),
    svg('text', { class: 'unit', x: 4, y: m.t - 10 }, fmtUnit(data.unit)),
    svg('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }),
    series.flatMap((s, i) => keys.flatMap(([key, dash]) => {
      // A null value breaks the line instead of drawing it down to zero.
      const segments = [[]];
      for (const p of s.points.filter(inView)) {
        if (Number.isFinite(p[key])) segments.at(-1).push(p);
        else if (segments.at(-1).length) segments.push([]);
      }
      return segments.filter(seg => seg.length).map(seg => seg.length === 1
        ? svg('circle', { cx: x(seg[0].t), cy: y(seg[0][key]), r: 2.5, fill: PALETTE[i] })
        : svg('polyline', { fill: 'none', stroke: PALETTE[i], 'stroke-width': 1.6, 'stroke-dasharray': dash, points: seg.map(p => `${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ') }));
    })));

  const legend = el('div', { class: 'legend' },
    series.map((s, i) => el('span', { class: 'legend-item' }, el('span', { class: 'swatch', style: { background: PALETTE[i] } }), s.label)),
    histogram ? el('span', { class: 'muted small' }, 'solid p50 · dashed p90 · dotted p99') : null,
    all.length > MAX_SERIES ? el('span', { class: 'muted small' }, `showing ${MAX_SERIES} of ${all.length} series`) : null);

  const unit = fmtUnit(data.unit);
  const cols = histogram ? ['p50', 'p90', 'p99', 'count'] : ['value'];
  const latest = el('table', { class: 'grid latest' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Series'), el('th', {}, 'Time'), cols.map(c => el('th', { class: 'num' }, c === 'count' || !unit ? c : `${c} (${unit})`)))),
    el('tbody', {}, series.map((s, i) => {
      const p = s.points.at(-1);
      return el('tr', {}, el('td', {}, el('span', { class: 'swatch', style: { background: PALETTE[i] } }), s.label),
        el('td', { class: 'nowrap' }, p ? clock(p.time, false) : '—'),
        cols.map(c => el('td', { class: 'num' }, fmtNum(p?.[c]))));
    })));
  host.replaceChildren(chart, legend, latest);
}

function metricsPage(root, _segments, params) {
  const f = { resource: params.get('resource') ?? '' };
  let chosen = params.get('name') ? { resource: f.resource, scope: params.get('scope') ?? '', name: params.get('name') } : null;
  const resource = el('select', { id: 'metrics-resource', onchange: () => {
    f.resource = resource.value;
    if (chosen && f.resource && chosen.resource !== f.resource) chosen = null;
    changed();
  } });
  const list = el('ul', { id: 'metrics-instruments' });
  const title = el('div', { class: 'chart-title' });
  const chart = el('div', { id: 'metrics-chart' });
  const empty = el('p', { class: 'empty', hidden: true });
  root.append(el('h1', {}, 'Metrics'), el('div', { class: 'toolbar' }, field('Resource', resource)),
    el('div', { class: 'metrics-layout' }, el('div', { class: 'instrument-pane' }, empty, list), el('section', { class: 'chart-pane' }, title, chart)));

  function changed() {
    setHashQuery('metrics', chosen ? { resource: chosen.resource, scope: chosen.scope, name: chosen.name } : f);
    markChosen();
    refreshNow();
  }

  function markChosen() {
    for (const li of list.querySelectorAll('li[data-instrument]')) {
      const i = li._instrument;
      li.classList.toggle('selected', !!chosen && i.name === chosen.name && i.scope === chosen.scope && i.resource === chosen.resource);
    }
    if (!chosen) {
      title.replaceChildren();
      chart.replaceChildren(el('p', { class: 'empty' }, 'Pick an instrument on the left.'));
    }
  }

  list.addEventListener('click', e => {
    const li = e.target.closest('li[data-instrument]');
    if (!li) return;
    const { resource: r, scope, name } = li._instrument;
    chosen = { resource: r, scope, name };
    changed();
  });
  list.addEventListener('keydown', e => { if (e.key === 'Enter') e.target.closest('li[data-instrument]')?.click(); });

  function renderList(instruments) {
    const groups = new Map();
    for (const i of instruments) {
      const key = f.resource ? i.scope : `${i.resource} · ${i.scope}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(i);
    }
    list.replaceChildren(...[...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, items]) => el('li', { class: 'group' },
      el('div', { class: 'group-name' }, dotted(group)),
      el('ul', {}, items.sort((a, b) => a.name.localeCompare(b.name)).map(i => {
        const li = el('li', { 'data-instrument': i.name, 'data-scope': i.scope, 'data-resource': i.resource, tabindex: 0, title: i.description || i.name },
          el('span', { class: 'instrument-name' }, dotted(i.name)), el('span', { class: 'muted small' }, ` ${i.type}${fmtUnit(i.unit) ? `, ${fmtUnit(i.unit)}` : ''}`));
        li._instrument = i;
        return li;
      })))));
    markChosen();
  }

  return {
    async refresh() {
      const [resources, data] = await Promise.all([api('/api/resources'), api(`/api/metrics${query(f)}`)]);
      syncOptions(resource, [['', 'All'], ...resources.map(r => [r.name, r.name])], f.resource);
      const instruments = data?.instruments ?? [];
      const sig = JSON.stringify(instruments);
      if (list._sig !== sig) { list._sig = sig; renderList(instruments); }
      empty.hidden = instruments.length > 0;
      empty.textContent = 'No metrics yet — services export them every few seconds.';
      if (!chosen) return markChosen();
      const want = chosen;
      let detail;
      try {
        detail = await api(`/api/metrics/instrument${query(want)}`);
      } catch (error) {
        if (error.status !== 404) throw error;
        detail = null;
      }
      if (want !== chosen) return; // the user picked another instrument while this one loaded
      if (!detail) {
        title.replaceChildren(el('h2', {}, want.name));
        return chart.replaceChildren(el('p', { class: 'empty' }, 'This instrument has no data.'));
      }
      title.replaceChildren(el('h2', {}, detail.name, el('span', { class: 'muted small' }, ` ${detail.type}${fmtUnit(detail.unit) ? ` · ${fmtUnit(detail.unit)}` : ''}`)),
        el('div', { class: 'muted small' }, `${detail.resource} · ${detail.scope}`), detail.description ? el('p', {}, detail.description) : null);
      drawChart(chart, detail);
    },
  };
}

// ---------- start ----------

window.addEventListener('hashchange', startRoute);
document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshNow(); });
startRoute();
