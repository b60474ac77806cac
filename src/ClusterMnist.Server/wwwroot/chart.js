// A small line chart on a canvas: one or more series over epochs, with axes, grid and a legend.
// Drawn at the device's pixel ratio so lines stay sharp.
export function drawChart(canvas, { series, yMin, yMax, format }) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  const pad = { left: 48, right: 12, top: 26, bottom: 26 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const points = series.flatMap((s) => s.points);
  const epochs = Math.max(1, ...points.map((p) => p.x));
  let low = yMin ?? Math.min(...points.map((p) => p.y));
  let high = yMax ?? Math.max(...points.map((p) => p.y));
  if (!points.length) { low = yMin ?? 0; high = yMax ?? 1; }
  if (high - low < 1e-9) { high = low + 1; }
  const x = (epoch) => pad.left + (epochs === 1 ? plotWidth / 2 : ((epoch - 1) / (epochs - 1)) * plotWidth);
  const y = (value) => pad.top + (1 - (value - low) / (high - low)) * plotHeight;

  g.font = '11px system-ui, sans-serif';
  g.strokeStyle = '#e3e7ee';
  g.fillStyle = '#6b7385';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const value = low + ((high - low) * i) / 4;
    const yy = Math.round(y(value)) + 0.5;
    g.beginPath();
    g.moveTo(pad.left, yy);
    g.lineTo(width - pad.right, yy);
    g.stroke();
    g.fillText(format(value), pad.left - 6, yy);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 1; e <= epochs; e += step) {
    g.fillText(String(e), x(e), height - pad.bottom + 6);
  }

  if (!points.length) {
    g.textBaseline = 'middle';
    g.fillText('waiting for the first epoch…', pad.left + plotWidth / 2, pad.top + plotHeight / 2);
  }

  let legendX = pad.left;
  for (const s of series) {
    g.strokeStyle = s.color;
    g.fillStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    s.points.forEach((p, i) => (i ? g.lineTo(x(p.x), y(p.y)) : g.moveTo(x(p.x), y(p.y))));
    g.stroke();
    for (const p of s.points) {
      g.beginPath();
      g.arc(x(p.x), y(p.y), 3, 0, Math.PI * 2);
      g.fill();
    }
    g.fillRect(legendX, 8, 14, 3);
    g.fillStyle = '#1d2330';
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    g.fillText(s.name, legendX + 18, 10);
    legendX += 30 + g.measureText(s.name).width;
  }
}
