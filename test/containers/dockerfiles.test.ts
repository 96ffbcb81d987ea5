/**
 * No Docker engine runs in the tests, so the container images are checked statically: every file a Dockerfile
 * copies from the build context exists and is not excluded by .dockerignore; every file copied from the build stage
 * is one that stage makes; the entrypoint script, the code it imports and the native addon land where mindlet
 * looks for them; the HEALTHCHECK asks a route the server (and the worker's health endpoint) really answers, on the
 * port the default command listens on; the stop signal is SIGTERM; the final user is not root; base images are
 * pinned to a version tag.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS_DIR, ENGINE_BACKENDS } from '../../src/runtime/engine-backend.js';
import { createServingApp } from '../../src/serving/app.js';
import { READINESS_PATH } from '../../src/serving/node-server.js';
import type { ModelRepository } from '../../src/serving/types.js';
import { startHealthServer } from '../../src/tasks/health.js';
import { repoRoot } from '../tools/proto-encode.js';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

interface Dockerfile {
  /** ARG defaults declared before the first FROM. */
  globals: Map<string, string>;
  stages: Stage[];
}

function parseDockerfile(text: string): Dockerfile {
  // Comment lines go first (they may sit inside a continued instruction), then continuations are joined.
  const lines = text.split('\n').filter((line) => !line.trimStart().startsWith('#'));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const globals = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const match = /^(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`cannot parse ${line}`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const [base, as, name] = args.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, base: base!, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`${keyword} before the first FROM`);
      const [key, value = ''] = args.split('=');
      globals.set(key!, value);
    } else stages.at(-1)!.instructions.push({ keyword, args });
  }
  return { globals, stages };
}

function substitute(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string, b: string) => vars.get(a ?? b) ?? whole);
}

interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  /** WORKDIR in effect, for relative destinations. */
  workdir: string;
}

function copies(stage: Stage): Copy[] {
  let workdir = '/';
  const found: Copy[] = [];
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    expect(keyword, 'ADD fetches and unpacks; COPY is what is meant').toBe('COPY');
    const words = args.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    const rest = words.filter((word) => !word.startsWith('--'));
    const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
    found.push({ from, sources: rest.slice(0, -1), dest: rest.at(-1)!, workdir });
  }
  return found;
}

function destination(copy: Copy): string {
  return path.posix.resolve(copy.workdir, copy.dest);
}

/** Minimal .dockerignore matching for the patterns used: plain paths (and what is under them) and `*` globs. */
function ignored(patterns: readonly string[], file: string): boolean {
  return patterns.some((pattern) => {
    if (!pattern.includes('*')) return file === pattern || file.startsWith(`${pattern}/`);
    const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return file.split('/').some((_, index, parts) => regex.test(parts.slice(index).join('/')));
  });
}

const dockerignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

/** Files a build stage makes, and the command that makes them. */
const BUILD_OUTPUTS: Array<{ path: RegExp; made: RegExp }> = [
  { path: /^node_modules$/, made: /\bnpm ci\b/ },
  { path: /^dist$/, made: /\bnpm run build\b(?!:)/ },
  { path: /^layers\/native-runtime\/build\/Release\/mindlet_native\.node$/, made: /\bnpm run build:native\b/ },
];

function exec(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  expect(Array.isArray(parsed), `exec form expected: ${args}`).toBe(true);
  return parsed as string[];
}

const nodeSource = readFileSync(path.join(repoRoot, 'src/runtime/native.ts'), 'utf8');
const binding = readFileSync(path.join(repoRoot, 'layers/native-runtime/binding.gyp'), 'utf8');

describe.each([
  ['Dockerfile.gpu', 'cpu'],
  ['Dockerfile.ascend', 'ascend'],
])('containers/%s', (file, backend) => {
  const text = readFileSync(path.join(repoRoot, 'containers', file), 'utf8');
  const dockerfile = parseDockerfile(text);
  const final = dockerfile.stages.at(-1)!;
  const named = new Map(dockerfile.stages.filter((stage) => stage.name).map((stage) => [stage.name!, stage]));
  const instructions = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);

  it('builds in stages from base images pinned to a version tag', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const [index, stage] of dockerfile.stages.entries()) {
      const base = substitute(stage.base, dockerfile.globals);
      if (dockerfile.stages.slice(0, index).some((earlier) => earlier.name === base)) continue;
      expect(base, `${stage.base} resolves to an image`).not.toMatch(/\$/);
      const digest = /@sha256:[0-9a-f]{64}$/.test(base);
      const tag = /:([\w][\w.-]{0,127})$/.exec(base.replace(/^[^/]+:\d+\//, ''))?.[1];
      expect(digest || (tag !== undefined && tag !== 'latest'), `${base} is pinned`).toBe(true);
      if (tag) expect(tag, `${base} names a version`).toMatch(/\d/);
    }
    expect(substitute(dockerfile.stages[0]!.base, dockerfile.globals)).toMatch(/^node:22\.[\d.]+-\w+$/);
  });

  it('copies only files the build context has and .dockerignore keeps', () => {
    for (const stage of dockerfile.stages)
      for (const copy of copies(stage).filter((c) => c.from === undefined))
        for (const source of copy.sources) {
          const relative = path.posix.normalize(source).replace(/\/$/, '');
          expect(existsSync(path.join(repoRoot, relative)), `${file}: COPY ${source} exists`).toBe(true);
          expect(ignored(dockerignore, relative), `${file}: COPY ${source} is excluded by .dockerignore`).toBe(false);
        }
    // And the context leaves out what must be rebuilt inside.
    for (const output of ['node_modules', 'dist', 'layers/native-runtime/build'])
      expect(ignored(dockerignore, output), `${output} is in .dockerignore`).toBe(true);
  });

  it('copies from the build stage only what that stage makes', () => {
    for (const copy of copies(final).filter((c) => c.from !== undefined)) {
      const stage = named.get(copy.from!);
      expect(stage, `--from=${copy.from} names an earlier stage`).toBeDefined();
      const runs = stage!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
      const workdir = copies(stage!).at(-1)?.workdir ?? '/';
      for (const source of copy.sources) {
        if (source === '/usr/local/bin/node') {
          expect(substitute(stage!.base, dockerfile.globals)).toMatch(/^node:/);
          continue;
        }
        expect(source.startsWith(`${workdir}/`), `${source} is under the build stage's ${workdir}`).toBe(true);
        const relative = source.slice(workdir.length + 1);
        const output = BUILD_OUTPUTS.find((o) => o.path.test(relative));
        if (output)
          expect(
            runs.some((run) => output.made.test(run)),
            `a RUN makes ${relative}`,
          ).toBe(true);
        else {
          // Otherwise it is a file the stage copied in from the context.
          const copiedIn = copies(stage!).some((c) =>
            c.sources.some((s) => path.posix.resolve(c.workdir, c.dest, path.posix.basename(s)) === source),
          );
          expect(copiedIn || existsSync(path.join(repoRoot, relative)), `${relative} comes from the context`).toBe(
            true,
          );
        }
      }
    }
  });

  it('puts the entrypoint script, the code it imports and the native addon where mindlet looks for them', () => {
    const [entry] = instructions('ENTRYPOINT');
    const command = exec(entry!.args);
    expect(command).toEqual(['node', '/opt/mindlet/bin/mindlet.js']);
    const provided = new Map(copies(final).map((copy) => [destination(copy), copy]));
    // /opt/mindlet/bin comes from the repository's bin/, which holds the script.
    const bin = provided.get('/opt/mindlet/bin');
    expect(bin?.sources).toEqual(['bin']);
    expect(statSync(path.join(repoRoot, 'bin/mindlet.js')).isFile()).toBe(true);
    // The script imports ../dist/src/cli/main.js, so dist must sit beside bin.
    const imported = /from '\.\.\/(dist\/[^']+)'/.exec(readFileSync(path.join(repoRoot, 'bin/mindlet.js'), 'utf8'));
    expect(imported?.[1]).toBe('dist/src/cli/main.js');
    expect(provided.get('/opt/mindlet/dist')?.sources).toEqual(['/src/dist']);
    expect(provided.get('/opt/mindlet/node_modules')).toBeDefined();
    expect(provided.get('/opt/mindlet/package.json')).toBeDefined();
    // native.ts looks for <package root>/layers/native-runtime/build/Release/mindlet_native.node.
    expect(nodeSource).toContain("'layers/native-runtime/build/Release'");
    expect(nodeSource).toContain("'mindlet_native.node'");
    expect(binding).toContain('"target_name": "mindlet_native"');
    expect(provided.get('/opt/mindlet/layers/native-runtime/build/Release/mindlet_native.node')).toBeDefined();
    // The bundled example that `serve` with no URI serves.
    expect(provided.get('/opt/mindlet/examples')?.sources).toEqual(['examples']);
    expect(provided.get('/usr/local/bin/node')).toBeDefined();
  });

  it('health-checks a route the server and the worker really answer, on the port the command listens on', async () => {
    const [check] = instructions('HEALTHCHECK');
    expect(check).toBeDefined();
    const target = /http:\/\/127\.0\.0\.1:(\d+)(\/[\w/.-]*)/.exec(check!.args);
    expect(target).not.toBeNull();
    const [, port, route] = target!;
    expect(route).toBe(READINESS_PATH);
    const command = exec(instructions('CMD').at(-1)!.args);
    expect(command[0]).toBe('serve');
    expect(command[command.indexOf('--port') + 1]).toBe(port);
    expect(command[command.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(instructions('EXPOSE').map((i) => i.args)).toContain(port);

    const repository: ModelRepository = {
      index: () => [],
      resolve: () => Promise.reject(new Error('no models')),
      ready: () => true,
    };
    const response = await createServingApp({ repository }).request(route!);
    expect(response.status).toBe(200);
    const health = await startHealthServer({ port: 0, state: () => 'running' });
    try {
      expect((await fetch(`${health.url}${route}`)).status).toBe(200);
    } finally {
      await health.close();
    }
  });

  it('stops on SIGTERM and runs as a user that is not root', () => {
    expect(instructions('STOPSIGNAL').map((i) => i.args)).toEqual(['SIGTERM']);
    const user = instructions('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0'], `USER ${user}`).not.toContain(user!.split(':')[0]);
    const created = instructions('RUN').some((i) => new RegExp(`useradd\\b.*\\b${user}\\b`).test(i.args));
    expect(created, `${user} is created in the image`).toBe(true);
    // USER comes after the files are in place, and before the entrypoint.
    const order = final.instructions.map((i) => i.keyword);
    expect(order.lastIndexOf('USER')).toBeGreaterThan(order.lastIndexOf('COPY'));
  });

  it(`asks for the ${backend} engine backend and has the backends directory`, () => {
    const env = instructions('ENV')
      .map((i) => i.args)
      .join(' ');
    const wanted = /\bMINDLET_ENGINE_BACKEND=(\w+)/.exec(env)?.[1];
    expect(wanted).toBe(backend);
    expect(ENGINE_BACKENDS).toContain(wanted);
    expect(instructions('RUN').some((i) => i.args.includes(`mkdir -p ${BACKENDS_DIR}`))).toBe(true);
    expect(env).toMatch(/\bMINDLET_CACHE_DIR=\/var\/cache\/mindlet\b/);
    if (backend === 'ascend') {
      const ld = /\bLD_LIBRARY_PATH=(\S+)/.exec(env)?.[1] ?? '';
      expect(ld.split(':').length).toBeGreaterThan(1);
      // No empty entry (it would mean the working directory) and nothing outside the Ascend install.
      for (const entry of ld.split(':')) expect(entry).toMatch(/^\/usr\/local\/Ascend\/\S+$/);
    }
  });
});
