// The adagio UI: a page per URL (/, /runs, /runs/{id}, /start, /agents), drawn from the API with the page's
// session; the run page follows its run live over GET /v0/runs/{id}/events.
import { get, post, del, login, setLoginHandler, decode, Problem } from './api.js';
import { DagView, STATES } from './dag.js';

const main = document.getElementById('main');
let leave = () => {}; // what the current page does when another is shown (close its stream)
let shown = 0; // which navigation the page on screen belongs to: a page still loading when another is asked for stops

/** A check for a page's loading: false once another page has been asked for since it began. */
function current() {
  const mine = shown;
  return () => mine === shown;
}

/** An element: h('p', {class: 'x'}, 'text', child…); strings become text, never HTML. */
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

const badge = (s) => h('span', { class: `badge s-${s}` }, s);
const link = (href, text) => h('a', { href, 'data-link': true }, text);
const when = (t) => (t ? new Date(t).toLocaleString() : '');

function problemBox(e) {
  const p = e instanceof Problem ? e : new Problem(0, { detail: String(e) });
  return h('div', { class: 'error', role: 'alert', dataset: { type: p.type } }, `${p.message}${p.type ? ` (${p.type})` : ''}`);
}

// ---- navigation ---------------------------------------------------------------------------------------------

function route() {
  leave();
  leave = () => {};
  shown++;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  document.querySelectorAll('[data-nav]').forEach((a) => a.removeAttribute('aria-current'));
  const mark = (n) => document.querySelector(`[data-nav="${n}"]`)?.setAttribute('aria-current', 'page');
  let m;
  if (path === '/') { mark('dashboard'); return dashboard(); }
  if (path === '/runs') { mark('runs'); return runs(); }
  if ((m = path.match(/^\/runs\/([^/]+)$/))) { mark('runs'); return runPage(decodeURIComponent(m[1])); }
  if (path === '/start') { mark('start'); return startPage(); }
  if (path === '/agents') { mark('agents'); return agents(); }
  main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, 'No such page. ', link('/', 'Go to the dashboard')));
}

function go(href) {
  history.pushState({}, '', href);
  route();
  main.focus();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href^="/"]');
  if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || a.getAttribute('href').startsWith('/swagger-ui')) return;
  e.preventDefault();
  go(a.getAttribute('href'));
});
window.addEventListener('popstate', route);

// ---- session --------------------------------------------------------------------------------------------------

async function showWho() {
  const who = document.getElementById('who');
  try {
    const s = await fetch('/v0/session', { credentials: 'same-origin' }).then((r) => r.json());
    who.replaceChildren();
    if (!s.security) who.append('open (no tokens configured)');
    else if (s.authenticated) {
      who.append(`${s.name} (${s.roles.join(', ')})`, h('button', { type: 'button', onclick: async () => { await del('/v0/session'); location.reload(); } }, 'Log out'));
    } else who.append(h('button', { type: 'button', onclick: () => askLogin().then(route, () => {}) }, 'Log in'));
  } catch { who.textContent = ''; }
}

function askLogin() {
  const dialog = document.getElementById('login');
  const form = document.getElementById('login-form');
  const input = document.getElementById('login-token');
  const error = document.getElementById('login-error');
  return new Promise((resolve, reject) => {
    error.hidden = true;
    input.value = '';
    let done = false;
    dialog.onclose = () => { // Escape, or closed another way: the calls waiting for it fail as refused
      if (!done) reject(new Problem(401, { detail: 'Not logged in: this needs a token.', type: 'https://adagio.dev/problems/unauthenticated' }));
    };
    form.onsubmit = async (e) => {
      e.preventDefault();
      try {
        await login(input.value);
        done = true;
        dialog.close();
        showWho();
        resolve();
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      }
    };
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}
setLoginHandler(askLogin);

// ---- dashboard ------------------------------------------------------------------------------------------------

async function dashboard() {
  const still = current();
  main.replaceChildren(h('h1', {}, 'Dashboard'), h('p', { class: 'muted' }, 'Loading…'));
  try {
    const [{ stats }, { agents: list }, recent, held] = await Promise.all([get('/v0/stats'), get('/v0/agents'),
      get('/v0/runs?view=summary&page_size=10'), heldByAgent()]);
    if (!still()) return;
    const c = stats.node_counts;
    const card = (label, n) => h('div', { class: 'card' }, h('div', { class: 'n' }, n), label);
    main.replaceChildren(
      h('h1', {}, 'Dashboard'),
      h('div', { class: 'cards', 'aria-label': 'Counts' }, card('runs', stats.run_count), card('waiting nodes', c.waiting_count),
        card('ready nodes', c.ready_count), card('running nodes', c.running_count), card('completed nodes', c.completed_count),
        card('orphaned nodes', c.orphaned_count), card('agents', list.length)),
      h('h2', {}, 'Recent runs'), runTable(recent.runs),
      h('p', {}, link('/runs', 'All runs'), ' · ', link('/start', 'Start a run')),
      h('h2', {}, 'Agents'), agentTable(list, held));
  } catch (e) { if (still()) main.append(problemBox(e)); }
}

function runTable(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No runs yet. ', link('/start', 'Start one'), '.');
  return h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Run'), h('th', {}, 'Created'), h('th', {}, 'Status'),
    h('th', {}, 'Outcome'), h('th', {}, 'Nodes: ready / running / completed of all'))),
  h('tbody', {}, list.map((r) => {
    const c = r.node_counts || {};
    const all = (c.waiting_count || 0) + (c.ready_count || 0) + (c.running_count || 0) + (c.completed_count || 0) + (c.orphaned_count || 0);
    return h('tr', { dataset: { run: r.id } }, h('td', {}, link(`/runs/${r.id}`, r.id)), h('td', {}, when(r.created_at)),
      h('td', {}, badge(r.status)), h('td', {}, r.outcome ? badge(r.outcome) : ''),
      h('td', {}, `${c.ready_count || 0} / ${c.running_count || 0} / ${c.completed_count || 0} of ${all}`));
  })));
}

/** The nodes each agent holds, from the newest running runs (a page of them, not every run). */
async function heldByAgent() {
  const page = await get('/v0/runs?status=RUNNING&page_size=20');
  const held = new Map();
  for (const r of page.runs) {
    for (const n of r.nodes) {
      const agent = n.status === 'RUNNING' && n.claim && n.claim.agent_id;
      if (agent) (held.get(agent) || held.set(agent, []).get(agent)).push({ run: r.id, node: n.spec.name });
    }
  }
  return held;
}

function agentTable(list, held = new Map()) {
  if (!list.length) return h('p', { class: 'muted' }, 'No agents are registered.');
  const holding = (id) => {
    const ns = held.get(id) || [];
    if (!ns.length) return h('span', { class: 'muted' }, 'nothing');
    return [ns.slice(0, 5).flatMap((x, i) => [i ? ', ' : '', link(`/runs/${x.run}`, x.node)]),
      ns.length > 5 ? ` and ${ns.length - 5} more` : ''];
  };
  return h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Agent'), h('th', {}, 'Runtimes'), h('th', {}, 'Holding'))),
    h('tbody', {}, list.map((a) => h('tr', { dataset: { agent: a.id } }, h('td', {}, a.id),
      h('td', {}, a.runtimes.map((r) => r.name).join(', ')), h('td', { class: 'holding' }, holding(a.id))))));
}

// ---- runs list ------------------------------------------------------------------------------------------------

async function runs() {
  const params = new URLSearchParams(location.search);
  const status = params.get('status') || '';
  const outcome = params.get('outcome') || '';
  const select = (name, value, options) => h('select', { name, id: `f-${name}` },
    ['', ...options].map((o) => h('option', { value: o, selected: o === value }, o || 'any')));
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    go(`/runs${q.toString() ? '?' + q : ''}`);
  } },
  h('label', { for: 'f-status' }, 'Status', select('status', status, ['WAITING', 'RUNNING', 'COMPLETED'])),
  h('label', { for: 'f-outcome' }, 'Outcome', select('outcome', outcome, ['SUCCEEDED', 'FAILED', 'CANCELLED'])),
  h('button', { type: 'submit' }, 'Filter'));
  main.replaceChildren(h('h1', {}, 'Runs'), form, h('p', { class: 'muted' }, 'Loading…'));
  const q = new URLSearchParams({ view: 'summary', page_size: '50' });
  if (status) q.set('status', status);
  if (outcome) q.set('outcome', outcome);
  if (params.get('page_token')) q.set('page_token', params.get('page_token'));
  const still = current();
  try {
    const page = await get(`/v0/runs?${q}`);
    if (!still()) return;
    const next = new URLSearchParams(params);
    if (page.next_page_token) next.set('page_token', page.next_page_token);
    main.replaceChildren(h('h1', {}, 'Runs'), form, runTable(page.runs),
      h('p', {}, params.get('page_token') ? link(`/runs${status || outcome ? '?' + new URLSearchParams({ ...(status && { status }), ...(outcome && { outcome }) }) : ''}`, 'First page') : '',
        page.next_page_token ? [' ', link(`/runs?${next}`, 'Next page')] : ''));
  } catch (e) { if (still()) main.append(problemBox(e)); }
}

// ---- a run ----------------------------------------------------------------------------------------------------

async function runPage(id) {
  const still = current();
  main.replaceChildren(h('h1', {}, `Run ${id}`), h('p', { class: 'muted' }, 'Loading…'));
  let run;
  try {
    ({ run } = await get(`/v0/runs/${encodeURIComponent(id)}`));
  } catch (e) { if (still()) main.append(problemBox(e)); return; }
  if (!still()) return;
  const header = h('div', { id: 'run-status', 'aria-live': 'polite' });
  const messages = h('div', { id: 'run-messages' });
  const dagBox = h('div', { class: 'dag', id: 'dag' });
  const panel = h('aside', { class: 'panel', id: 'node-panel', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Choose a node to see its attempts, outputs and inputs.'));
  let view = { status: run.status, outcome: run.outcome, paused: run.nodes.some((n) => n.paused) };

  const act = (label, fn) => h('button', { type: 'button', onclick: async (e) => {
    e.target.disabled = true;
    messages.replaceChildren();
    try { await fn(); messages.replaceChildren(h('p', { class: 'ok', role: 'status' }, `${label}: done.`)); } catch (err) { messages.replaceChildren(problemBox(err)); }
    e.target.disabled = false;
  } }, label);
  const base = `/v0/runs/${encodeURIComponent(id)}`;
  const actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Run actions' },
    act('Cancel', () => post(`${base}/cancel`, {})),
    act('Pause', () => post(`${base}/pause`)),
    act('Resume', () => post(`${base}/resume`)),
    act('Retry', () => post(`${base}/retry`, {})),
    act('Rerun', async () => { const r = await post(`${base}/rerun`); go(`/runs/${r.run.id}`); }),
    act('Delete', async () => { if (confirm(`Delete run ${id}?`)) { await del(base); go('/runs'); } }));

  const showHeader = () => header.replaceChildren(h('p', {}, 'Status ', badge(view.status), view.outcome ? [' outcome ', badge(view.outcome)] : '',
    view.paused ? [' ', badge('PAUSED')] : '', ` · created ${when(run.created_at)}`, run.rerun_of ? [' · rerun of ', link(`/runs/${run.rerun_of}`, run.rerun_of)] : ''));
  showHeader();
  const legend = h('div', { class: 'legend', 'aria-label': 'Colours' }, STATES.map((s) => h('span', { class: `badge s-${s === 'SUCCESS' ? 'SUCCESS' : s === 'BACKOFF' ? 'READY' : s}` }, s === 'BACKOFF' ? 'waiting for backoff' : s.toLowerCase())));
  main.replaceChildren(h('h1', {}, `Run ${id}`), header, actions, messages, legend,
    h('div', { class: 'run-layout' }, dagBox, panel));

  const dag = new DagView(dagBox, run, (name) => nodePanel(panel, id, name, messages));
  try {
    await dag.draw();
  } catch (e) { if (still()) dagBox.replaceChildren(problemBox(e)); return; }

  if (view.status === 'COMPLETED' || !still()) return;
  const events = new EventSource(`${base}/events`, { withCredentials: true });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED && view.status !== 'COMPLETED') {
      // refused (a session that expired, a run deleted): say so instead of going quiet
      messages.replaceChildren(h('div', { class: 'error', role: 'alert' }, 'Live updates stopped. ',
        h('a', { href: location.pathname }, 'Reload'), ' to see the run now (you may need to log in again).'));
      showWho();
    }
  };
  let runFrame = 0;
  events.addEventListener('NODE_STATUS', (e) => dag.update(JSON.parse(e.data).node));
  events.addEventListener('RUN_STATUS', (e) => {
    view = JSON.parse(e.data).run;
    if (!runFrame) runFrame = requestAnimationFrame(() => { runFrame = 0; showHeader(); });
    if (view.status === 'COMPLETED') events.close();
  });
  leave = () => events.close();
}

async function nodePanel(panel, runId, name, messages) {
  panel.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let node;
  try {
    ({ node } = await get(`/v0/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(name)}`));
  } catch (e) { panel.replaceChildren(problemBox(e)); return; }
  const value = (b64) => {
    const d = decode(b64);
    if (!d) return h('span', { class: 'muted' }, 'none');
    return h('div', {}, h('span', { class: 'muted' }, `${d.kind}, ${d.size}`), h('pre', { class: 'value' }, d.value || '(empty)'));
  };
  const base = `/v0/runs/${encodeURIComponent(runId)}`;
  const act = (label, fn) => h('button', { type: 'button', onclick: async () => {
    try { await fn(); messages.replaceChildren(h('p', { class: 'ok', role: 'status' }, `${label} ${name}: done.`)); nodePanel(panel, runId, name, messages); } catch (err) { messages.replaceChildren(problemBox(err)); }
  } }, label);
  const attempts = node.attempts.map((a, i) => h('li', {}, badge(a.conclusion), ` attempt ${i + 1}`,
    Object.keys(a.metadata || {}).length ? h('pre', { class: 'value' }, JSON.stringify(a.metadata)) : '', value(a.output)));
  panel.replaceChildren(...[
    h('h2', {}, name),
    h('dl', {},
      h('dt', {}, 'State'), h('dd', {}, badge(node.status), node.skipped ? ' skipped' : '', node.cancelled ? ' cancelled' : '', node.paused ? ' paused' : ''),
      h('dt', {}, 'Runtime'), h('dd', {}, node.spec.runtime),
      node.ready_at ? [h('dt', {}, 'Ready at'), h('dd', {}, when(node.ready_at))] : '',
      h('dt', {}, 'Started'), h('dd', {}, when(node.started_at) || '—'),
      h('dt', {}, 'Finished'), h('dd', {}, when(node.finished_at) || '—'),
      node.claim && node.claim.agent_id ? [h('dt', {}, node.status === 'RUNNING' ? 'Agent' : 'Ran on'), h('dd', {}, node.claim.agent_id)] : '',
      node.claim ? [h('dt', {}, 'Claim'), h('dd', {}, node.claim.id || '(no request id)', Object.keys(node.claim.metadata || {}).length ? h('pre', { class: 'value' }, JSON.stringify(node.claim.metadata)) : '')] : ''),
    h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Node actions' },
      act('Retry node', () => post(`${base}/retry`, { nodes: [name] })),
      act('Skip node', () => post(`${base}/nodes/${encodeURIComponent(name)}/skip`, { output_text: 'skipped from the UI' }))),
    h('h3', {}, `Attempts (${node.attempts.length})`), node.attempts.length ? h('ol', {}, attempts) : h('p', { class: 'muted' }, 'none yet'),
    h('h3', {}, 'Inputs'), Object.keys(node.inputs || {}).length
      ? h('dl', {}, Object.entries(node.inputs).map(([k, v]) => [h('dt', {}, k), h('dd', {}, value(v))]))
      : h('p', { class: 'muted' }, 'none'),
    Object.keys(node.spec.metadata || {}).length ? [h('h3', {}, 'Arguments'), h('pre', { class: 'value' }, JSON.stringify(node.spec.metadata, null, 1))] : '',
  ].flat(Infinity).filter((c) => c !== ''));
}

// ---- start a run ----------------------------------------------------------------------------------------------

function startPage() {
  const text = h('textarea', { id: 'graph', 'aria-describedby': 'graph-help', spellcheck: 'false' });
  const errors = h('div', { id: 'start-errors', 'aria-live': 'assertive' });
  const file = h('input', { type: 'file', id: 'graph-file', accept: 'application/json,.json', onchange: async () => {
    if (file.files[0]) text.value = await file.files[0].text();
  } });
  const example = async (name) => { text.value = await fetch(`/ui/examples/${name}`).then((r) => r.text()); };
  const submit = async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    let body;
    try { body = JSON.parse(text.value); } catch (err) { errors.replaceChildren(h('div', { class: 'error', role: 'alert' }, `Not JSON: ${err.message}`)); return; }
    try {
      const r = await post('/v0/runs', body);
      go(`/runs/${r.run.id}`);
    } catch (err) { errors.replaceChildren(graphProblem(err)); }
  };
  main.replaceChildren(h('h1', {}, 'Start a run'),
    h('p', { id: 'graph-help' }, 'Paste a graph ({"nodes": […], "edges": […]}) or upload a file, then start it.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', id: 'load-example', onclick: () => example('quickstart.json') }, 'Load the example'),
      h('label', { for: 'graph-file' }, 'Upload: '), file),
    h('form', { onsubmit: submit }, h('label', { for: 'graph' }, 'Graph (JSON)'), text, errors,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'start' }, 'Start'))));
}

/** A refused graph's problem, with the nodes or the cycle it names marked. */
function graphProblem(err) {
  const box = problemBox(err);
  const b = err.body || {};
  if (Array.isArray(b.cycle)) {
    box.append(h('p', {}, 'Cycle: ', b.cycle.flatMap((n, i) => [i ? ' → ' : '', h('mark', { class: 'cycle-node' }, n)])));
  } else if (Array.isArray(b.nodes) || Array.isArray(b.edges)) {
    box.append(h('pre', {}, JSON.stringify(b.nodes || b.edges, null, 1)));
  }
  return box;
}

// ---- agents ---------------------------------------------------------------------------------------------------

async function agents() {
  main.replaceChildren(h('h1', {}, 'Agents'), h('p', { class: 'muted' }, 'Loading…'));
  const still = current();
  try {
    const [{ agents: list }, held] = await Promise.all([get('/v0/agents'), heldByAgent()]);
    if (still()) main.replaceChildren(h('h1', {}, 'Agents'), agentTable(list, held),
      h('p', { class: 'muted' }, 'Holding: the running nodes of the 20 newest running runs.'));
  } catch (e) { if (still()) main.append(problemBox(e)); }
}

showWho();
route();
