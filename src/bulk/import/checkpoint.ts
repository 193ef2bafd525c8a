// Where an interrupted import resumes: after each committed batch the file's position is saved
// (written to a temporary file, then renamed, so a crash never leaves half a checkpoint). A file
// that changed since (size or time) starts again from its beginning.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Source } from './sources.js';

interface FileState {
  size: number;
  mtimeMs: number;
  /** NDJSON lines committed (or refused) so far. */
  lines: number;
  done: boolean;
}

export class Checkpoint {
  private readonly files: Record<string, FileState>;

  constructor(readonly path: string) {
    this.files = existsSync(path) ? ((JSON.parse(readFileSync(path, 'utf8')) as { files?: Record<string, FileState> }).files ?? {}) : {};
  }

  private state(source: Source): FileState | undefined {
    const s = this.files[source.path];
    return s && s.size === source.size && s.mtimeMs === source.mtimeMs ? s : undefined;
  }

  isDone(source: Source): boolean {
    return this.state(source)?.done ?? false;
  }

  /** NDJSON lines of this file already handled by an earlier run. */
  linesDone(source: Source): number {
    return this.state(source)?.lines ?? 0;
  }

  record(source: Source, lines: number, done: boolean): void {
    this.files[source.path] = { size: source.size, mtimeMs: source.mtimeMs, lines, done };
    writeFileSync(`${this.path}.tmp`, JSON.stringify({ files: this.files }));
    renameSync(`${this.path}.tmp`, this.path);
  }
}
