/**
 * The rooms of src/ and the one direction of their arrows (ARCHITECTURE-rooms.md).
 * Reads every import of src/ (static, `export ... from`, `import type`,
 * `import()` calls and `import('x').T` types) from TypeScript's syntax tree,
 * then fails on a circle between files or between rooms, on an
 * arrow that runs up the table below, and on a library outside its room.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(import.meta.dirname, '..', 'src');

/**
 * The direction table, stated once: a room may import only rooms with a lower
 * number. Rooms on the same number do not import each other.
 */
const RANK = {
  cli: 10, // src/cli.ts: argv -> command, exit codes
  commands: 9, // one thin file per subcommand
  ui: 8, // the Ink front end
  lab: 8, // the practice server: uses audit and verify
  plain: 8, // the @inquirer/prompts front end
  wizard: 7, // front-end-neutral: steps, review lines, summary texts, FrontEnd
  bundle: 6, // writing a Plan to disk
  apply: 6, // installing a bundle on a server
  verify: 6, // the connection matrix behind `verify`
  plan: 5, // Answers (+ server facts) -> Plan, pure
  answers: 4, // questions, validation, resolveAnswers()
  audit: 3, // fact gathering (files or live) and the rules that judge them
  pg: 2, // the server as a client sees it
  pki: 1, // the only importer of node-forge
  hba: 1, // the pg_hba.conf language, pure
  shared: 0, // src/*.ts besides cli.ts: errors, args, interrupt, package-info
} as const;
type Room = keyof typeof RANK;

/**
 * The vocabulary every room speaks: the Answers contract, the table of
 * PostgreSQL version differences and the pg_hba dialect it hands out.
 * Anyone may import them; they import only
 * each other and `shared`.
 */
const VOCABULARY: readonly string[] = ['answers/answers.ts', 'plan/versions.ts', 'hba/dialect.ts'];

/** Libraries that live in one room only (DESIGN.md, "one library, one room"). */
const LIBRARY_ROOM: Readonly<Record<string, Room>> = {
  ink: 'ui',
  react: 'ui',
  'react/jsx-runtime': 'ui',
  '@inkjs/ui': 'ui',
  '@inquirer/prompts': 'plain',
  'node-forge': 'pki',
  pg: 'pg',
};

const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [relative(SRC, p)] : [];
  });
}

function roomOf(file: string): string {
  const slash = file.indexOf('/');
  if (slash < 0) return file === 'cli.ts' ? 'cli' : 'shared';
  return file.slice(0, slash);
}

/** Every module specifier in a file, wherever it appears (an `import()` inside a function too). */
function importSpecifiers(file: string, text: string): string[] {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node !== undefined && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) literal(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    else if (ts.isExternalModuleReference(node)) literal(node.expression);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface Graph {
  readonly files: readonly string[];
  /** file -> files it imports (inside src/). */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** file -> bare package specifiers it imports. */
  readonly packages: ReadonlyMap<string, readonly string[]>;
  readonly lines: ReadonlyMap<string, number>;
}

function readGraph(): Graph {
  const files = sourceFiles(SRC).sort();
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const lines = new Map<string, number>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    lines.set(file, text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
    const specs = importSpecifiers(file, text);
    const local: string[] = [];
    const bare: string[] = [];
    for (const spec of specs) {
      if (!spec.startsWith('.')) {
        if (!spec.startsWith('node:')) bare.push(spec);
        continue;
      }
      const stem = relative(SRC, resolve(SRC, dirname(file), spec)).replace(/\.js$/, '');
      const target = [`${stem}.ts`, `${stem}.tsx`, `${stem}/index.ts`].find((c) => known.has(c));
      if (target === undefined) throw new Error(`${file}: cannot resolve ${spec}`);
      local.push(target);
    }
    edges.set(file, [...new Set(local)]);
    packages.set(file, [...new Set(bare)]);
  }
  return { files, edges, packages, lines };
}

/** Strongly connected components with more than one member, or a self-loop (Tarjan). */
function circles(nodes: readonly string[], next: (n: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (n: string): void => {
    index.set(n, counter);
    low.set(n, counter);
    counter++;
    stack.push(n);
    onStack.add(n);
    for (const m of next(n)) {
      if (!index.has(m)) {
        visit(m);
        low.set(n, Math.min(low.get(n)!, low.get(m)!));
      } else if (onStack.has(m)) low.set(n, Math.min(low.get(n)!, index.get(m)!));
    }
    if (low.get(n) === index.get(n)) {
      const scc: string[] = [];
      let m: string;
      do {
        m = stack.pop()!;
        onStack.delete(m);
        scc.push(m);
      } while (m !== n);
      if (scc.length > 1 || next(n).includes(n)) found.push(scc.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found;
}

const graph = readGraph();

test('every folder of src/ is a room in the direction table', (t) => {
  const unknown = [...new Set(graph.files.map(roomOf))].filter((r) => !(r in RANK));
  t.deepEqual(unknown, [], 'add the room to RANK in test/architecture.test.ts and to ARCHITECTURE-rooms.md');
});

test('no circle between files (type-only imports included)', (t) => {
  t.deepEqual(circles(graph.files, (f) => graph.edges.get(f) ?? []), []);
});

test('no circle between rooms', (t) => {
  const roomEdges = new Map<string, Set<string>>();
  for (const [file, targets] of graph.edges) {
    for (const target of targets) {
      const from = roomOf(file);
      const to = roomOf(target);
      if (from !== to) roomEdges.set(from, (roomEdges.get(from) ?? new Set()).add(to));
    }
  }
  t.deepEqual(circles([...roomEdges.keys()], (r) => [...(roomEdges.get(r) ?? [])]), []);
});

test('arrows run down the table: no import of a room above or beside', (t) => {
  const wrong: string[] = [];
  for (const [file, targets] of graph.edges) {
    const from = roomOf(file) as Room;
    for (const target of targets) {
      const to = roomOf(target) as Room;
      if (VOCABULARY.includes(file)) {
        if (!VOCABULARY.includes(target) && to !== 'shared') wrong.push(`${file} -> ${target} (vocabulary imports only vocabulary)`);
        continue;
      }
      if (from === to || VOCABULARY.includes(target)) continue;
      if (RANK[from] <= RANK[to]) wrong.push(`${file} (${from}) -> ${target} (${to})`);
    }
  }
  t.deepEqual(wrong, []);
});

test('one library, one room', (t) => {
  const wrong: string[] = [];
  for (const [file, specs] of graph.packages) {
    for (const spec of specs) {
      const home = LIBRARY_ROOM[spec];
      if (home !== undefined && roomOf(file) !== home) wrong.push(`${file} imports ${spec} (belongs in ${home}/)`);
    }
  }
  t.deepEqual(wrong, []);
});

test(`no source file over ${MAX_LINES} lines`, (t) => {
  const long = [...graph.lines].filter(([, n]) => n > MAX_LINES).map(([f, n]) => `${f}: ${n}`);
  t.deepEqual(long, []);
});

test('the reader sees type-only and dynamic imports (a broken reader would pass everything)', (t) => {
  // commands/wizard.ts loads the front ends with import(); plan/versions.ts has only a type import.
  t.true(graph.edges.get('commands/wizard.ts')?.includes('ui/run.tsx'));
  t.true(graph.edges.get('plan/versions.ts')?.includes('answers/answers.ts'));
});
