// Every scenario, in the order the report lists them.
import { create, history, read, transaction10, transaction100 } from './basic.js';
import type { Scenario } from './scenario.js';

export const scenarios: Scenario[] = [create, read, transaction10, transaction100, history];
