import path from 'node:path';
import type { RouterOutputs } from '@skillbytes/api';
import type { ChallengeStatus } from '@skillbytes/shared';
import { TRPCClientError } from '@trpc/client';
import type { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import type { LocalChallenge } from '../challenge-input.ts';
import { type CommandContext, commandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { type Column, keyValues, table } from '../output.ts';

type AdminChallenge = RouterOutputs['challenges']['get'];
type ListItem = RouterOutputs['challenges']['list']['items'][number];

/** The file and argument checks, loaded only when a command runs (as the schemas: ../schemas.ts). */
const input = () => import('../challenge-input.ts');

/** Every status, for --status (the record's type makes the compiler check it against the schema's). */
const STATUSES: Record<ChallengeStatus, true> = { draft: true, published: true, archived: true };

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

const listColumns: Column[] = [
  { header: 'slug', fixed: true },
  'title',
  { header: 'difficulty', fixed: true },
  { header: 'points', fixed: true },
  { header: 'status', fixed: true },
  'tags',
  { header: 'id', fixed: true },
];
const listRow = (c: ListItem) => [c.slug, c.title, c.difficulty, c.points, c.status, c.tags.join(', '), c.id];

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
      const local = (await input()).readChallengeFile(file);
      // A dry run sends nothing, so it needs no sign-in.
      const ctx = commandContext(cmd, { signIn: !opts.dryRun });
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
      const { expandPaths, readChallengeFile } = await input();
      const files = expandPaths(paths);
      const ctx = commandContext(cmd);
      type Outcome =
        | { file: string; ok: true; id: string; slug: string; status: string }
        | { file: string; ok: false; error: string; appCode?: string; problems?: string[] };
      const outcomes: Outcome[] = [];
      let bar: SingleBar | null = null;
      if (process.stderr.isTTY) {
        const { default: cliProgress } = await import('cli-progress');
        bar = new cliProgress.SingleBar(
          { format: 'importing [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
      }
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
    .addOption(new Option('--status <status>', 'only this status').choices(Object.keys(STATUSES)))
    .option('--query <text>', 'match title, slug or summary')
    .action(async (opts: { status?: ChallengeStatus; query?: string }, cmd: Command) => {
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
      // Every page was fetched: the list is whole, so there is no cursor to continue from.
      ctx.out.list(
        { items, nextCursor: null },
        { columns: listColumns, row: listRow, empty: 'no challenges' },
      );
    });

  challenges
    .command('show')
    .description('show one challenge, hidden test counts included')
    .argument('<id-or-slug>')
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const id = (await input()).challengeRef(ref);
      const ctx = commandContext(cmd);
      const c = await ctx.client.challenges.get.query({ id });
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
        const id = (await input()).challengeRef(ref);
        const ctx = commandContext(cmd);
        const c =
          name === 'publish'
            ? await ctx.client.challenges.publish.mutate({ id })
            : await ctx.client.challenges.archive.mutate({ id });
        ctx.out.result(c, (r) => `${r.slug} (${r.id}) is ${r.status}`);
      });
  }
}
