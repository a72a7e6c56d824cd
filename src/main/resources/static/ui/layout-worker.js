// Lays a DAG out left to right, off the page's main thread. dagre (from its WebJar) up to DAGRE_MAX nodes; above
// that a layered layout of our own that is linear in the graph's size (dagre's crossing minimisation takes
// minutes at 10,000 nodes): layers by longest path from the roots, each layer ordered by its parents' places.
importScripts('/webjars/dagre/dist/dagre.min.js');

const DAGRE_MAX = 1500;
const W = 170;
const H = 34;

function withDagre(nodes, edges) {
  // dagre keys its graph by id in plain objects: it gets indexes, never names (a node may be called __proto__)
  const index = new Map(nodes.map((n, i) => [n.id, 'n' + i]));
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  nodes.forEach((n, i) => g.setNode('n' + i, { width: W, height: H }));
  for (const [s, d] of edges) g.setEdge(index.get(s), index.get(d));
  dagre.layout(g);
  // positions as an array indexed like nodes
  const pos = nodes.map((n, i) => { const p = g.node('n' + i); return [p.x - W / 2, p.y - H / 2]; });
  const lines = edges.map(([s, d]) => g.edge(index.get(s), index.get(d)).points.map((p) => [p.x, p.y]));
  return { pos, lines, width: g.graph().width, height: g.graph().height };
}

function layered(nodes, edges) {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const parents = nodes.map(() => []);
  const children = nodes.map(() => []);
  const indeg = new Int32Array(nodes.length);
  for (const [s, d] of edges) {
    const a = index.get(s); const b = index.get(d);
    children[a].push(b); parents[b].push(a); indeg[b]++;
  }
  const layer = new Int32Array(nodes.length);
  const queue = [];
  for (let i = 0; i < nodes.length; i++) if (indeg[i] === 0) queue.push(i);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const c of children[v]) {
      layer[c] = Math.max(layer[c], layer[v] + 1);
      if (--indeg[c] === 0) queue.push(c);
    }
  }
  const layers = [];
  for (const v of queue) (layers[layer[v]] ||= []).push(v);
  const place = new Float64Array(nodes.length);
  for (const l of layers) {
    for (const v of l) {
      const ps = parents[v];
      place[v] = ps.length ? ps.reduce((sum, p) => sum + place[p], 0) / ps.length : place[v];
    }
    l.sort((a, b) => place[a] - place[b]);
    l.forEach((v, i) => { place[v] = i; });
  }
  const pos = new Array(nodes.length);
  let height = 0;
  layers.forEach((l, x) => {
    l.forEach((v, y) => { pos[v] = [20 + x * (W + 60), 20 + y * (H + 14)]; });
    height = Math.max(height, 40 + l.length * (H + 14));
  });
  const lines = edges.map(([s, d]) => {
    const a = pos[index.get(s)]; const b = pos[index.get(d)];
    return [[a[0] + W, a[1] + H / 2], [b[0], b[1] + H / 2]];
  });
  return { pos, lines, width: 40 + layers.length * (W + 60), height };
}

self.onmessage = (e) => {
  const { id, nodes, edges } = e.data;
  const started = performance.now();
  const out = nodes.length <= DAGRE_MAX ? withDagre(nodes, edges) : layered(nodes, edges);
  self.postMessage({ id, ...out, w: W, h: H, ms: performance.now() - started, engine: nodes.length <= DAGRE_MAX ? 'dagre' : 'layered' });
};
