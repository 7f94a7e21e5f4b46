// What the challenge commands read, checked with the shared schemas before anything is sent. Loaded
// only when such a command runs, like the schemas themselves (schemas.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type ChallengeInput, ChallengeRef, challengeSchemaFor } from '@skillbytes/shared';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UsageError } from './errors.ts';

const CHALLENGE_FILE = /\.(json|ya?ml)$/i;

/** A challenge file, read and checked against the shared schema without asking the server. */
export type LocalChallenge = {
  file: string;
  body: ChallengeInput;
  publish: boolean;
  title: string;
  slug?: string;
};

function parseFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
}

function issuesText(issues: z.core.$ZodIssue[], prefix: string[]): string {
  return issues
    .map((i) => {
      const path = [...prefix, ...i.path.map(String)];
      if (i.code === 'invalid_union' && i.errors.length > 0) return issuesText(meantBranch(i.errors), path);
      return `  ${path.join('.') || '(root)'}: ${i.message}`;
    })
    .join('\n');
}

/**
 * Of a union's branches (a test is a call test or a class test), the one the author meant: one that
 * does not reject their keys outright, and of those the one with the fewest problems.
 */
function meantBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] {
  const rejectsKeys = (b: z.core.$ZodIssue[]) =>
    b.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
  const fitting = branches.filter((b) => !rejectsKeys(b));
  return (fitting.length > 0 ? fitting : branches).reduce((best, b) => (b.length < best.length ? b : best));
}

/**
 * A file holds either a `challenges.create` input (`{challenge, publish?}`) or a bare challenge, in the
 * current shape or the legacy send-challenge one. Errors name the paths within the file.
 */
export function readChallengeFile(file: string): LocalChallenge {
  const data = parseFile(file);
  const isCreateInput = typeof data === 'object' && data !== null && Object.hasOwn(data, 'challenge');
  const wrapper = (isCreateInput ? data : { challenge: data }) as { challenge: unknown; publish?: unknown };
  const extra = isCreateInput ? Object.keys(wrapper).filter((k) => k !== 'challenge' && k !== 'publish') : [];
  const problems: string[] = extra.map((k) => `  ${k}: unknown field (expected challenge and publish)`);
  if (wrapper.publish !== undefined && typeof wrapper.publish !== 'boolean') {
    problems.push('  publish: expected a boolean');
  }
  const parsed = challengeSchemaFor(wrapper.challenge).safeParse(wrapper.challenge);
  if (!parsed.success) problems.push(issuesText(parsed.error.issues, isCreateInput ? ['challenge'] : []));
  if (problems.length > 0 || !parsed.success) {
    throw new UsageError(`${file} is not a valid challenge:\n${problems.join('\n')}`);
  }
  const value = parsed.data as { title?: string; selectorDescription?: string; slug?: string };
  return {
    file,
    body: wrapper.challenge as ChallengeInput,
    publish: wrapper.publish === true,
    title: value.title ?? value.selectorDescription ?? '',
    slug: value.slug,
  };
}

/** The files named by the arguments: files as given, directories' challenge files (sorted, not recursive). */
export function expandPaths(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      files.push(p); // reported as unreadable when its turn comes
      continue;
    }
    if (!isDir) files.push(p);
    else {
      const inDir = readdirSync(p)
        .filter((f) => CHALLENGE_FILE.test(f))
        .sort()
        .map((f) => path.join(p, f));
      if (inDir.length === 0) throw new UsageError(`${p}: no .json, .yaml or .yml files in this directory`);
      files.push(...inDir);
    }
  }
  return files;
}

/** An ID_OR_SLUG argument, or a usage error. */
export function challengeRef(value: string): string {
  const parsed = ChallengeRef.safeParse({ id: value });
  if (!parsed.success) throw new UsageError(`"${value}" is not a challenge id or slug`);
  return parsed.data.id;
}
