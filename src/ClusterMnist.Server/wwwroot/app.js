// Entry point of the coordinator's page: the drawing pad with live predictions, and the live training status.
import { createPad } from './pad.js';
import { createPredictor } from './predictor.js';
import { startStatus } from './status.js';

const byId = (id) => document.getElementById(id);

let predictor = null;
const pad = createPad(byId('pad'), {
  onChange: () => predictor.changed(false),
  onStrokeEnd: () => predictor.changed(true),
});
predictor = createPredictor(pad, {
  prediction: byId('prediction'),
  digit: byId('digit'),
  confidence: byId('confidence'),
  bars: byId('bars'),
  error: byId('predict-error'),
});

byId('clear').addEventListener('click', () => {
  pad.clear();
  predictor.cleared();
});

startStatus();
