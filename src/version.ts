// Haven's version, as the CapabilityStatement and `haven --version` report it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './paths.js';

export const HAVEN_VERSION: string = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
