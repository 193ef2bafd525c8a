import { loadConfig } from '../config.js';
import { serve } from '../cluster.js';
import type { Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the FHIR server (the default command)',
  usage: 'haven serve\n\nConfiguration comes from the environment; see the README.',
  async run() {
    await serve(loadConfig());
    return 0;
  },
};
