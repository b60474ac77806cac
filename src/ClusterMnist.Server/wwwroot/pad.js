// The drawing pad: white ink on black like MNIST, drawn with pointer events (mouse, pen or touch).
// onChange fires after every stroke segment; onStrokeEnd when the pointer lifts.
export function createPad(canvas, { onChange, onStrokeEnd }) {
  const context = canvas.getContext('2d');
  const lineWidth = canvas.width / 14; // about two MNIST pixels once the digit is scaled to its 20×20 box
  let last = null;
  let inked = false;

  function clear() {
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
    inked = false;
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height),
    };
  }

  function line(from, to) {
    context.strokeStyle = '#fff';
    context.fillStyle = '#fff';
    context.lineWidth = lineWidth;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    inked = true;
  }

  canvas.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    line(last, last); // a dot for a tap
    onChange();
  });

  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    // Coalesced events keep fast strokes smooth instead of turning them into polygons.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) {
      const next = point(e);
      line(last, next);
      last = next;
    }
    onChange();
  });

  function end() {
    if (!last) return;
    last = null;
    onStrokeEnd();
  }

  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  clear();
  return {
    clear,
    isBlank: () => !inked,
    toPng: () => new Promise((resolve) => canvas.toBlob(resolve, 'image/png')),
  };
}
