// Sends the pad to POST /api/predict as a PNG (the server crops, scales and centres it by mass, as MNIST was
// prepared) and shows the digit and ten probability bars. Requests are debounced while drawing; answers to
// older drawings are dropped so the display always matches the latest strokes.
export function createPredictor(pad, elements, debounceMs = 150) {
  const { prediction, digit, confidence, bars, error } = elements;
  const rows = [];
  for (let d = 0; d < 10; d++) {
    const item = document.createElement('li');
    const label = document.createElement('span');
    label.textContent = String(d);
    const track = document.createElement('span');
    track.className = 'track';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.display = 'block';
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = '–';
    item.append(label, track, value);
    bars.append(item);
    rows.push({ item, fill, value });
  }

  let drawing = 0; // bumped by every change of the pad
  let timer = null;

  function show(answer) {
    digit.textContent = String(answer.digit);
    confidence.textContent = `${(answer.probabilities[answer.digit] * 100).toFixed(1)}% sure · model v${answer.modelVersion}, step ${answer.step}`;
    answer.probabilities.forEach((p, d) => {
      rows[d].fill.style.width = `${(p * 100).toFixed(1)}%`;
      rows[d].value.textContent = `${(p * 100).toFixed(1)}%`;
      rows[d].item.classList.toggle('best', d === answer.digit);
    });
  }

  function reset() {
    digit.textContent = '–';
    confidence.textContent = 'draw to predict';
    for (const row of rows) {
      row.fill.style.width = '0';
      row.value.textContent = '–';
      row.item.classList.remove('best');
    }
  }

  async function send() {
    timer = null;
    const mine = drawing;
    if (pad.isBlank()) {
      reset();
      prediction.dataset.fresh = 'true';
      return;
    }
    try {
      const png = await pad.toPng();
      const response = await fetch('/api/predict', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png });
      const body = await response.json();
      if (mine !== drawing) return;
      if (!response.ok) {
        error.textContent = body.error || `the server answered ${response.status}`;
        error.hidden = false;
        reset();
      } else {
        error.hidden = true;
        show(body);
      }
    } catch (e) {
      if (mine !== drawing) return;
      error.textContent = `cannot reach the coordinator (${e.message})`;
      error.hidden = false;
    }
    prediction.dataset.fresh = 'true';
  }

  function changed(immediately) {
    drawing++;
    prediction.dataset.fresh = 'false';
    if (timer) clearTimeout(timer);
    timer = setTimeout(send, immediately ? 0 : debounceMs);
  }

  return { changed, cleared: () => changed(true) };
}
