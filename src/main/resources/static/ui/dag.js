// A run's DAG: nodes with the same runtime, upstream and downstream nodes (a fan-out's branches) are drawn as one
// group with its count until expanded; layout runs in a worker; live changes are applied once per animation frame.

const SVG = 'http://www.w3.org/2000/svg';
const GROUP_MIN = 6;
const worker = new Worker('/ui/layout-worker.js');
let requests = 0;
const pending = new Map();
worker.onmessage = (e) => { pending.get(e.data.id)?.resolve(e.data); pending.delete(e.data.id); };
worker.onerror = (e) => { // a layout that failed fails its draw instead of leaving it waiting
  for (const p of pending.values()) p.reject(new Error(`layout failed: ${e.message}`));
  pending.clear();
};

function layout(nodes, edges) {
  const id = ++requests;
  return new Promise((resolve, reject) => { pending.set(id, { resolve, reject }); worker.postMessage({ id, nodes, edges }); });
}

/** The most nodes drawn in one frame when a pan or zoom brings them near the view. */
const DRAW_PER_FRAME = 1500;

/** The bounding box [x0, y0, x1, y1] of an edge's points. */
function bounds(pts) {
  let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity;
  for (const [x, y] of pts) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  return [x0, y0, x1, y1];
}

function edgeMarkup(pts) {
  return `<path class="edge" marker-end="url(#arrow)" d="M${pts.map((q) => q[0].toFixed(1) + ',' + q[1].toFixed(1)).join(' L')}"/>`;
}

/** A group's id: node names cannot contain '/', so no node is ever taken for a group. */
const GROUP = 'group/';

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One state a node is drawn in, from a run's node or an observer's NODE_STATUS. */
export function stateOf(n) {
  if (n.cancelled) return 'CANCELLED';
  if (n.skipped) return 'SKIPPED';
  if (n.status === 'COMPLETED') {
    const c = n.conclusion || (n.attempts && n.attempts.length ? n.attempts[n.attempts.length - 1].conclusion : 'SUCCESS');
    return c === 'SUCCESS' ? 'SUCCESS' : 'FAILED';
  }
  if (n.status === 'NONE') return 'ORPHANED';
  if (n.ready_at && n.status === 'WAITING') return 'BACKOFF';
  return n.status;
}

export const STATES = ['WAITING', 'READY', 'BACKOFF', 'RUNNING', 'SUCCESS', 'FAILED', 'SKIPPED', 'CANCELLED', 'ORPHANED'];

export class DagView {
  /**
   * @param container where the SVG goes
   * @param run the run as GET /v0/runs/{id} answers it
   * @param onSelect called with a node's name when it is chosen
   */
  constructor(container, run, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.states = new Map(run.nodes.map((n) => [n.spec.name, stateOf(n)]));
    this.runtime = new Map(run.nodes.map((n) => [n.spec.name, n.spec.runtime]));
    this.names = run.nodes.map((n) => n.spec.name);
    this.edges = run.edges.map((e) => [e.source, e.destination]);
    this.expanded = new Set();
    this.queue = new Map();
    this.frame = 0;
    this.elements = new Map(); // drawn id → <g>
    this.groupOf = new Map(); // node name → drawn id
    this.members = new Map(); // drawn id → node names
    this.selected = null;
    this.draws = 0;
  }

  /** Groups of at least GROUP_MIN nodes sharing runtime, parents and children, unless expanded. */
  collapse() {
    const up = new Map(this.names.map((n) => [n, []]));
    const down = new Map(this.names.map((n) => [n, []]));
    for (const [s, d] of this.edges) { down.get(s).push(d); up.get(d).push(s); }
    const byKey = new Map();
    for (const n of this.names) {
      const key = JSON.stringify([this.runtime.get(n), up.get(n).sort(), down.get(n).sort()]);
      (byKey.get(key) || byKey.set(key, []).get(key)).push(n);
    }
    this.groupOf.clear();
    this.members.clear();
    let g = 0;
    for (const [key, ns] of byKey) {
      if (ns.length >= GROUP_MIN && !this.expanded.has(key)) {
        const id = `${GROUP}${g++}`;
        this.members.set(id, ns);
        this.groupKey ||= new Map();
        this.groupKey.set(id, key);
        ns.forEach((n) => this.groupOf.set(n, id));
      } else {
        ns.forEach((n) => { this.groupOf.set(n, n); this.members.set(n, [n]); });
      }
    }
    const drawnEdges = new Set();
    const edges = [];
    for (const [s, d] of this.edges) {
      const a = this.groupOf.get(s); const b = this.groupOf.get(d);
      const k = a + '\u0000' + b;
      if (!drawnEdges.has(k)) { drawnEdges.add(k); edges.push([a, b]); }
    }
    return { nodes: [...this.members.keys()].map((id) => ({ id })), edges };
  }

  async draw() {
    const started = performance.now();
    const mine = ++this.draws;
    const { nodes, edges } = this.collapse();
    const members = new Map(this.members);
    const out = await layout(nodes, edges);
    if (mine !== this.draws) return; // a later draw (an expand) replaced this one
    this.members = members;
    // one string, parsed once: building 20,000 elements one call at a time costs seconds at 10,000 nodes
    const parts = [`<svg xmlns="${SVG}" role="group" aria-label="DAG of ${this.names.length} nodes" data-nodes="${nodes.length}"`
      + ` data-edges="${edges.length}" data-engine="${out.engine}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5"`
      + ' markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs><g>'];
    // a large graph opens on a corner: only what is in or next to the view is drawn now (a node's box, label and
    // tooltip, an edge), the rest as a pan or zoom brings it near; every node is in the document from the start (its
    // state, name and keyboard focus). Drawing 10,000 nodes' shapes and labels at once was most of the first frame.
    this.viewBox = [0, 0, Math.max(out.width, 400), Math.max(out.height, 200)];
    if (nodes.length > 400) this.viewBox = [0, 0, Math.max(1200, out.width / 8), Math.max(600, out.height / 8)]; // a corner, readable
    this.box = { w: out.w, h: out.h };
    this.lines = out.lines.map((pts) => ({ pts, box: bounds(pts) }));
    this.at = new Map();
    this.shown = new Set(); // drawn ids whose shapes are drawn
    for (const line of this.lines) {
      if (this.sees(line.box)) { line.drawn = true; parts.push(edgeMarkup(line.pts)); }
    }
    parts.push('</g><g>');
    const index = new Map(nodes.map((n, i) => [n.id, i]));
    for (const { id } of nodes) {
      const [x, y] = out.pos[index.get(id)];
      this.at.set(id, [x, y]);
      const group = id.startsWith(GROUP);
      const look = this.look(id);
      const shown = this.sees([x, y, x + out.w, y + out.h]);
      if (shown) this.shown.add(id);
      parts.push(`<g class="node${group ? ' group' : ''}" transform="translate(${x.toFixed(1)},${y.toFixed(1)})" tabindex="0"`
        + ` role="button" data-id="${esc(id)}"${group ? '' : ` data-name="${esc(id)}"`} data-state="${look.state}"`
        + `${look.count ? ` data-count="${look.count}"` : ''} aria-label="${esc(look.aria)}">${shown ? this.shapes(look) : ''}</g>`);
    }
    parts.push('</g></svg>');
    this.container.innerHTML = parts.join('');
    const svg = this.container.firstChild;
    this.elements.clear();
    for (const g of svg.querySelectorAll('.node')) this.elements.set(g.dataset.id, g);
    const open = (g) => (g.classList.contains('group') ? this.expand(g.dataset.id) : this.select(g.dataset.id));
    svg.addEventListener('click', (e) => { const g = e.target.closest('.node'); if (g) open(g); });
    svg.addEventListener('keydown', (e) => {
      const g = e.target.closest('.node');
      if (g && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(g); }
    });
    const hint = document.createElement('div');
    hint.className = 'hint';
    hint.textContent = 'drag to pan · wheel to zoom · Tab and Enter to open a node';
    this.container.appendChild(hint);
    svg.setAttribute('viewBox', this.viewBox.join(' '));
    this.panZoom(svg);
    this.container.dataset.drawnMs = String(Math.round(performance.now() - started));
    this.container.dataset.layoutMs = String(Math.round(out.ms));
    this.container.dataset.ready = 'true';
    if (this.selected && this.elements.has(this.selected)) this.elements.get(this.selected).classList.add('selected');
  }

  /** How a drawn node looks: a node's state, or a group's count and the state most of it is in. */
  look(id, ns = this.members.get(id)) {
    if (!id.startsWith(GROUP)) {
      const s = this.states.get(id);
      return { state: s, label: id.length > 22 ? id.slice(0, 21) + '…' : id, title: `${id}: ${s}`, aria: `node ${id}, ${s}` };
    }
    const counts = {};
    for (const n of ns) { const s = this.states.get(n); counts[s] = (counts[s] || 0) + 1; }
    const order = ['RUNNING', 'FAILED', 'ORPHANED', 'BACKOFF', 'READY', 'WAITING', 'CANCELLED', 'SKIPPED', 'SUCCESS'];
    const shown = order.find((s) => counts[s] && (s !== 'SUCCESS' || counts[s] === ns.length)) || 'SUCCESS';
    const done = counts.SUCCESS || 0;
    const summary = Object.entries(counts).map(([s, c]) => `${c} ${s}`).join(', ');
    return { state: shown, label: `×${ns.length} ${ns[0].slice(0, 10)}… ${done}/${ns.length} ✓`, count: String(ns.length),
      title: `${ns.length} nodes (${summary}); Enter to expand`, aria: `group of ${ns.length} nodes: ${summary}; press Enter to expand` };
  }

  /** A drawn node's shapes: its box, label and tooltip. */
  shapes(look) {
    return `<rect width="${this.box.w}" height="${this.box.h}"/><text x="8" y="${this.box.h / 2 + 4}">${esc(look.label)}</text>`
      + `<title>${esc(look.title)}</title>`;
  }

  /** Whether a box [x0, y0, x1, y1] is in the view or within half a view of it. */
  sees([x0, y0, x1, y1]) {
    const [vx, vy, vw, vh] = this.viewBox;
    return x1 >= vx - vw / 2 && x0 <= vx + vw * 1.5 && y1 >= vy - vh / 2 && y0 <= vy + vh * 1.5;
  }

  /**
   * Draws what came near the view after a pan or zoom, at most {@code DRAW_PER_FRAME} nodes a frame (zooming out
   * over 10,000 nodes stays responsive); true when something is left for the next frame.
   */
  drawInView() {
    let budget = DRAW_PER_FRAME;
    for (const [id, [x, y]] of this.at) {
      if (budget === 0) return true;
      const g = this.elements.get(id);
      if (!this.shown.has(id) && g && this.sees([x, y, x + this.box.w, y + this.box.h])) {
        this.shown.add(id);
        g.insertAdjacentHTML('beforeend', this.shapes(this.look(id)));
        if (this.selected === id) g.classList.add('selected');
        budget--;
      }
    }
    const edges = [];
    for (const line of this.lines) {
      if (!line.drawn && this.sees(line.box)) { line.drawn = true; edges.push(edgeMarkup(line.pts)); }
    }
    if (edges.length) this.container.querySelector('svg > g').insertAdjacentHTML('beforeend', edges.join(''));
    return false;
  }

  /** Redraws a node's colour and texts from its state (a live change). */
  paint(id) {
    const g = this.elements.get(id);
    const ns = this.members.get(id);
    if (!g || !ns) return;
    const [, text, title] = g.children; // none yet for a node not drawn yet
    const look = this.look(id, ns);
    g.dataset.state = look.state;
    if (text) text.textContent = look.label;
    if (title) title.textContent = look.title;
    g.setAttribute('aria-label', look.aria);
    if (look.count) g.dataset.count = look.count;
  }

  expand(id) {
    this.expanded.add(this.groupKey.get(id));
    this.draw();
  }

  select(name) {
    if (this.selected) this.elements.get(this.selected)?.classList.remove('selected');
    this.selected = name;
    this.elements.get(name)?.classList.add('selected');
    this.onSelect(name);
  }

  /** A node's new state; drawn at the next animation frame together with every other change until then. */
  update(nodeView) {
    this.queue.set(nodeView.name, stateOf(nodeView));
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    const touched = new Set();
    for (const [name, s] of this.queue) {
      if (!this.states.has(name)) continue;
      this.states.set(name, s);
      touched.add(this.groupOf.get(name));
    }
    this.queue.clear();
    touched.forEach((id) => this.paint(id));
  }

  panZoom(svg) {
    let drag = null;
    let drawing = 0;
    const more = () => { drawing = 0; if (this.drawInView()) drawing = requestAnimationFrame(more); };
    const apply = () => {
      svg.setAttribute('viewBox', this.viewBox.join(' '));
      if (!drawing) drawing = requestAnimationFrame(more);
    };
    // a node reached by keyboard is brought into view (the view does not follow focus on its own)
    svg.addEventListener('focusin', (e) => {
      const g = e.target.closest('.node');
      const at = g && this.at.get(g.dataset.id);
      if (!at) return;
      const [x, y] = at;
      const [vx, vy, vw, vh] = this.viewBox;
      if (x >= vx && x + this.box.w <= vx + vw && y >= vy && y + this.box.h <= vy + vh) return;
      this.viewBox = [x + this.box.w / 2 - vw / 2, y + this.box.h / 2 - vh / 2, vw, vh];
      apply();
    });
    svg.addEventListener('pointerdown', (e) => {
      if (e.target.closest('.node')) return;
      drag = { x: e.clientX, y: e.clientY, vb: [...this.viewBox] };
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const scale = this.viewBox[2] / svg.clientWidth;
      this.viewBox[0] = drag.vb[0] - (e.clientX - drag.x) * scale;
      this.viewBox[1] = drag.vb[1] - (e.clientY - drag.y) * scale;
      apply();
    });
    svg.addEventListener('pointerup', () => { drag = null; });
    svg.addEventListener('wheel', (e) => {
      e.preventDefault();
      const f = e.deltaY > 0 ? 1.15 : 1 / 1.15;
      const [x, y, w, h] = this.viewBox;
      const px = x + (e.offsetX / svg.clientWidth) * w;
      const py = y + (e.offsetY / svg.clientHeight) * h;
      this.viewBox = [px - (px - x) * f, py - (py - y) * f, w * f, h * f];
      apply();
    }, { passive: false });
  }
}
