// Polls GET /api/status and renders the run: state, served model, numbers, curves, members and configuration.
import { drawChart } from './chart.js';

const byId = (id) => document.getElementById(id);
const percent = (v) => `${(v * 100).toFixed(1)}%`;
const number = (v, digits = 0) => Number(v).toLocaleString('en', { maximumFractionDigits: digits });

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

function ago(iso) {
  if (!iso) return 'never';
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return seconds < 60 ? `${seconds.toFixed(0)} s ago` : new Date(iso).toLocaleTimeString();
}

function renderMembers(members) {
  const body = byId('members');
  body.replaceChildren();
  if (!members.length) {
    const row = body.insertRow();
    cell(row, 'no members yet', 'muted');
    row.cells[0].colSpan = 7;
    return;
  }
  for (const m of members) {
    const row = body.insertRow();
    cell(row, m.id);
    cell(row, m.role);
    cell(row, m.address);
    const state = cell(row, m.state, `state ${m.state}`);
    if (m.reason) state.title = m.reason;
    cell(row, ago(m.lastHeartbeat));
    cell(row, number(m.shardsDone), 'num');
    cell(row, number(m.samplesPerSecond), 'num');
  }
}

function renderConfiguration(configuration) {
  const list = byId('configuration');
  list.replaceChildren();
  for (const [name, value] of Object.entries(configuration)) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
}

let lastHistory = '';

function renderCharts(history, force) {
  const key = JSON.stringify(history);
  if (key === lastHistory && !force) return;
  lastHistory = key;
  const series = (name, color, pick) => ({ name, color, points: history.map((h) => ({ x: h.epoch, y: pick(h) })) });
  drawChart(byId('loss-chart'), {
    series: [series('train', '#2f6fed', (h) => h.trainLoss), series('test', '#e0702f', (h) => h.testLoss)],
    yMin: 0,
    format: (v) => v.toFixed(2),
  });
  drawChart(byId('accuracy-chart'), {
    series: [series('train', '#2f6fed', (h) => h.trainAccuracy), series('test', '#e0702f', (h) => h.testAccuracy)],
    yMax: 1,
    format: percent,
  });
}

function render(status) {
  const p = status.progress;
  const state = byId('run-state');
  state.textContent = p.state;
  state.className = `badge ${p.state}`;
  byId('served-model').textContent = status.model
    ? `serving ${status.model.spec} · v${status.model.version} · step ${status.model.step}`
    : 'no model yet';
  // The link downloads whatever model is served at the moment of the click; hidden while there is none.
  byId('model-download').hidden = !status.model;
  byId('stat-epoch').textContent = p.totalEpochs ? `${p.epoch} / ${p.totalEpochs}` : String(p.epoch);
  byId('stat-step').textContent = number(p.step);
  byId('stat-loss').textContent = p.step ? Number(p.loss).toFixed(4) : '–';
  byId('stat-accuracy').textContent = p.step ? percent(p.accuracy) : '–';
  byId('stat-throughput').textContent = p.step ? number(p.samplesPerSecond) : '–';
  renderCharts(p.history, false);
  renderMembers(status.members);
  renderConfiguration(status.configuration);
  document.body.dataset.statusStep = String(p.step);
}

export function startStatus() {
  let history = [];
  async function poll() {
    let delay = 1000;
    try {
      const response = await fetch('/api/status', { cache: 'no-store' });
      const status = await response.json();
      history = status.progress.history;
      delay = status.pollMilliseconds || delay;
      render(status);
    } catch {
      const state = byId('run-state');
      state.textContent = 'offline';
      state.className = 'badge offline';
    }
    setTimeout(poll, delay);
  }
  window.addEventListener('resize', () => renderCharts(history, true));
  renderCharts([], true);
  poll();
}
