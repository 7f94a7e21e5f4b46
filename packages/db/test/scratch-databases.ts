import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { DatabaseHandle } from '../src/index.ts';

/**
 * A scratch directory for one test file and a way to have the databases it opens closed after it: both
 * go when the file's tests are done.
 */
export function scratchDatabases(prefix: string) {
  const scratch = mkdtempSync(path.join(tmpdir(), prefix));
  const opened: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const h of opened) await h.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  return {
    scratch,
    track<T extends DatabaseHandle>(handle: T): T {
      opened.push(handle);
      return handle;
    },
  };
}
