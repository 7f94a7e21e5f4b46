import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import dockerignore from '@balena/dockerignore';
import {
  type Cmd,
  type Copy,
  DockerfileParser,
  type Env,
  type Healthcheck,
  type Instruction,
} from 'dockerfile-ast';

/** The repository root, where the Dockerfile, compose.yaml and .dockerignore are. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export const readRepoFile = (name: string) => readFileSync(`${repoRoot}/${name}`, 'utf8');

/**
 * Whether `docker build .` leaves a path of the checkout (relative, `/`-separated) out of the context,
 * by .dockerignore, with the port of Docker's own matcher. (Its declarations say `export default` of a
 * CommonJS module: NodeNext sees the function as `.default`, which the module sets too.)
 */
export function contextIgnores(): (relativePath: string) => boolean {
  const matcher = dockerignore.default().add(readRepoFile('.dockerignore').split('\n'));
  return (p) => matcher.ignores(p);
}

/** One step of a stage, with the working directory and environment it runs in. */
export type Step = { workdir: string; env: Record<string, string> } & (
  | { kind: 'copy'; from: string | null; sources: string[]; dest: string }
  | { kind: 'run'; command: string }
);

export type Stage = {
  name: string | null;
  steps: Step[];
  /** The last WORKDIR, ENV, USER, ... of the stage: what a container of it starts with. */
  workdir: string;
  env: Record<string, string>;
  user: string | null;
  expose: string[];
  volumes: string[];
  /** Exec form only (null for none, or for the shell form). */
  cmd: string[] | null;
  healthcheck: { flags: Record<string, string>; cmd: string[] | null } | null;
};

/** The Dockerfile's stages as the same parser the linter uses reads them (dockerfile-ast). */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const name = /\bAS\s+(\S+)\s*$/i.exec(instruction.getArgumentsContent() ?? '')?.[1] ?? null;
      stage = {
        name,
        steps: [],
        workdir: '/',
        env: {},
        user: null,
        expose: [],
        volumes: [],
        cmd: null,
        healthcheck: null,
      };
      stages.push(stage);
      continue;
    }
    if (!stage) continue; // ARG before the first FROM
    applyInstruction(stage, keyword, instruction);
  }
  return stages;
}

function applyInstruction(stage: Stage, keyword: string, instruction: Instruction) {
  const args = () => instruction.getArguments().map((a) => a.getValue());
  const at = { workdir: stage.workdir, env: { ...stage.env } };
  switch (keyword) {
    case 'ENV':
      for (const p of (instruction as Env).getProperties())
        stage.env[p.getName()] = p.getUnescapedValue() ?? '';
      return;
    case 'WORKDIR': {
      const dir = instruction.getArgumentsContent() ?? '/';
      stage.workdir = dir.startsWith('/') ? dir : `${stage.workdir.replace(/\/$/, '')}/${dir}`;
      return;
    }
    case 'COPY': {
      const copy = instruction as Copy;
      const all = args();
      const from = copy.getFromFlag()?.getValue() ?? null;
      stage.steps.push({ ...at, kind: 'copy', from, sources: all.slice(0, -1), dest: all.at(-1) ?? '.' });
      return;
    }
    case 'RUN':
      stage.steps.push({ ...at, kind: 'run', command: instruction.getArgumentsContent() ?? '' });
      return;
    case 'USER':
      stage.user = args()[0] ?? null;
      return;
    case 'EXPOSE':
      stage.expose.push(...args());
      return;
    case 'VOLUME':
      stage.volumes.push(...args());
      return;
    case 'CMD': {
      const strings = (instruction as Cmd).getJSONStrings();
      stage.cmd = strings.length ? strings.map((s) => s.getJSONValue()) : null;
      return;
    }
    case 'HEALTHCHECK': {
      const check = instruction as Healthcheck;
      const flags = Object.fromEntries(check.getFlags().map((f) => [f.getName(), f.getValue() ?? '']));
      const rest = (instruction.getArgumentsContent() ?? '').replace(/^CMD\s+/, '');
      let cmd: string[] | null = null;
      try {
        cmd = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : null;
      } catch {
        cmd = null;
      }
      stage.healthcheck = { flags, cmd };
      return;
    }
  }
}
