// Just over ~300 lines: the challenge commands (create, import, list, show, publish, archive) share
// their file reading and validation helpers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RouterOutputs } from '@skillbytes/api';
import { type ChallengeInput, ChallengeRef, ChallengeStatus, challengeSchemaFor } from '@skillbytes/shared';
import { TRPCClientError } from '@trpc/client';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type CommandContext, commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { keyValues, table } from '../output.ts';

type AdminChallenge = RouterOutputs['challenges']['get'];
type ListItem = RouterOutputs['challenges']['list']['items'][number];

const CHALLENGE_FILE = /\.(json|ya?ml)$/i;

/** A challenge file, read and checked against the shared schema without asking the server. */
type LocalChallenge = { file: string; body: ChallengeInput; publish: boolean; title: string; slug?: string };

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
function readChallengeFile(file: string): LocalChallenge {
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
function expandPaths(paths: string[]): string[] {
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

function refOf(value: string): string {
  const parsed = ChallengeRef.safeParse({ id: value });
  if (!parsed.success) throw new UsageError(`"${value}" is not a challenge id or slug`);
  return parsed.data.id;
}

/** The API's own explanation of a refused challenge: code, appCode and, for CHALLENGE_INVALID, the problems. */
function apiFailure(error: unknown): { message: string; appCode?: string; problems?: string[] } {
  if (!(error instanceof TRPCClientError))
    return { message: error instanceof Error ? error.message : String(error) };
  const data = (error.data ?? {}) as { code?: string; appCode?: string; details?: { problems?: unknown } };
  const problems = Array.isArray(data.details?.problems) ? data.details.problems.map(String) : undefined;
  return {
    message: data.code
      ? `${data.code}${data.appCode ? ` (${data.appCode})` : ''}: ${error.message}`
      : error.message,
    appCode: data.appCode,
    problems,
  };
}

function showChallenge(c: AdminChallenge): string {
  return keyValues([
    ['id', c.id],
    ['slug', c.slug],
    ['title', c.title],
    ['status', c.status],
    ['difficulty', c.difficulty],
    ['points', c.points],
    ['language', c.language],
    ['languages', c.languages.join(', ')],
    ['tags', c.tags.join(', ') || '-'],
    ['function', c.functionName],
    ['visible tests', c.tests.length],
    ['hidden tests', c.hiddenTests.length],
    ['generated cases', c.generator ? c.generator.cases : 0],
    ['reference solution', c.solution ? 'yes' : 'no'],
    ['summary', c.summary],
    ['created', c.createdAt],
    ['updated', c.updatedAt],
    ['published', c.publishedAt],
  ]);
}

function listTable(items: ListItem[]): string {
  if (items.length === 0) return 'no challenges';
  return table(
    ['slug', 'title', 'difficulty', 'points', 'status', 'tags', 'id'],
    items.map((c) => [c.slug, c.title, c.difficulty, c.points, c.status, c.tags.join(', '), c.id]),
  );
}

async function create(ctx: CommandContext, local: LocalChallenge, publish: boolean): Promise<AdminChallenge> {
  return ctx.client.challenges.create.mutate({ challenge: local.body, publish: publish || local.publish });
}

export function registerChallenges(program: Command) {
  const challenges = program.command('challenges').description('author the challenge pool');

  challenges
    .command('create')
    .description(
      'create a challenge from a JSON or YAML file (checked locally first, then judged by the server)',
    )
    .argument('<file>', 'the challenge: a challenges.create input or a bare (or legacy send-challenge) body')
    .option('--publish', 'publish at once (eligible for the daily pick)')
    .option('--dry-run', 'only validate the file locally; send nothing')
    .action(async (file: string, opts: { publish?: boolean; dryRun?: boolean }, cmd: Command) => {
      const ctx = commandContext(cmd);
      const local = readChallengeFile(file);
      if (opts.dryRun) {
        ctx.out.result(
          {
            file,
            valid: true,
            title: local.title,
            slug: local.slug ?? null,
            publish: Boolean(opts.publish || local.publish),
          },
          (r) => `${r.file} is valid: "${r.title}"${r.slug ? ` (${r.slug})` : ''}; nothing was sent`,
        );
        return;
      }
      let created: AdminChallenge;
      try {
        created = await create(ctx, local, Boolean(opts.publish));
      } catch (error) {
        const { problems } = apiFailure(error);
        if (problems?.length)
          ctx.out.info(`the server refused ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
        throw error;
      }
      ctx.out.result(created, (c) => `created ${c.slug} (${c.id}) as ${c.status}`);
    });

  challenges
    .command('import')
    .description('create many challenges; a bad file is reported and the rest still go in')
    .argument('<paths...>', 'challenge files, or directories of .json/.yaml/.yml files')
    .option('--publish', 'publish each one at once')
    .action(async (paths: string[], opts: { publish?: boolean }, cmd: Command) => {
      const ctx = commandContext(cmd);
      const files = expandPaths(paths);
      type Outcome =
        | { file: string; ok: true; id: string; slug: string; status: string }
        | { file: string; ok: false; error: string; appCode?: string; problems?: string[] };
      const outcomes: Outcome[] = [];
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'importing [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(files.length, 0, { file: '' });
      for (const [i, file] of files.entries()) {
        bar?.update(i, { file: path.basename(file) });
        let outcome: Outcome;
        try {
          const c = await create(ctx, readChallengeFile(file), Boolean(opts.publish));
          outcome = { file, ok: true, id: c.id, slug: c.slug, status: c.status };
        } catch (error) {
          outcome =
            error instanceof UsageError
              ? { file, ok: false, error: error.message }
              : { file, ok: false, ...apiFailure(error), error: apiFailure(error).message };
          if (error instanceof TRPCClientError && !(error.data as { code?: string } | undefined)?.code) {
            // The server is unreachable: every other file would fail the same way.
            bar?.stop();
            throw error;
          }
        }
        outcomes.push(outcome);
        bar?.update(i + 1);
        if (!bar) {
          ctx.out.info(
            `[${i + 1}/${files.length}] ${file}: ${outcome.ok ? `created ${outcome.slug}` : `FAILED ${outcome.error.split('\n')[0]}`}`,
          );
        }
      }
      bar?.stop();
      const failed = outcomes.filter((o) => !o.ok);
      ctx.out.result({ created: outcomes.filter((o) => o.ok), failed }, (r) => {
        const lines = [
          table(
            ['file', 'result'],
            outcomes.map((o) => [o.file, o.ok ? `created ${o.slug} (${o.status})` : `failed: ${o.error}`]),
          ),
        ];
        for (const f of r.failed)
          if (f.problems?.length) lines.push(`${f.file}:\n${f.problems.map((p) => `  - ${p}`).join('\n')}`);
        lines.push(`${r.created.length} created, ${r.failed.length} failed`);
        return lines.join('\n');
      });
      if (failed.length > 0)
        throw new Error(`${failed.length} of ${files.length} files could not be imported`);
    });

  challenges
    .command('list')
    .description('list challenges, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(ChallengeStatus.options))
    .option('--query <text>', 'match title, slug or summary')
    .action(async (opts: { status?: z.infer<typeof ChallengeStatus>; query?: string }, cmd: Command) => {
      const ctx = commandContext(cmd);
      const items: ListItem[] = [];
      let cursor: string | null = null;
      do {
        const page: RouterOutputs['challenges']['list'] = await ctx.client.challenges.list.query({
          status: opts.status,
          query: opts.query,
          cursor,
          limit: 100,
        });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      ctx.out.result(items, listTable);
    });

  challenges
    .command('show')
    .description('show one challenge, hidden test counts included')
    .argument('<id-or-slug>')
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = commandContext(cmd);
      const c = await ctx.client.challenges.get.query({ id: refOf(ref) });
      ctx.out.result(c, showChallenge);
    });

  for (const [name, verb] of [
    ['publish', 'publish a challenge (eligible for the daily pick)'],
    ['archive', "archive a challenge (out of the daily pick; kept in users' history)"],
  ] as const) {
    challenges
      .command(name)
      .description(verb)
      .argument('<id-or-slug>')
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const ctx = commandContext(cmd);
        const id = refOf(ref);
        const c =
          name === 'publish'
            ? await ctx.client.challenges.publish.mutate({ id })
            : await ctx.client.challenges.archive.mutate({ id });
        ctx.out.result(c, (r) => `${r.slug} (${r.id}) is ${r.status}`);
      });
  }
}
