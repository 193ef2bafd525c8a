// fever: ≥100.4 °F (38.0 °C) medium, ≥102.4 °F high (CDC; NEWS2). Readings in Cel are converted
// first. clinical-alerts.md §1.2.
import type { ThresholdRule } from './types.js';

export const fever: ThresholdRule = {
  kind: 'threshold',
  code: 'fever',
  display: 'Fever',
  definition:
    'Body temperature (LOINC 8310-5) ≥100.4 [degF] (38.0 Cel): medium; ≥102.4 [degF]: high. Cel readings are converted to [degF]. Sources: CDC (measured ≥100.4 °F), NEWS2 (≥39.1 °C scores 2).',
  measurements: ['temperature'],
  tiers: [
    { severity: 'high', when: [{ measurement: 'temperature', op: '>=', value: 102.4 }] },
    { severity: 'medium', when: [{ measurement: 'temperature', op: '>=', value: 100.4 }] },
  ],
};
