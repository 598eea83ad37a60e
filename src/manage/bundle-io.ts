/**
 * A kept bundle read into memory and written back whole: every change to a
 * bundle (a new client, a CRL, a server certificate) goes through
 * bundle/write.ts, so it lands by one rename or not at all.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Answers } from '../answers/answers.js';
import { answersFromJson, completeAnswers } from '../answers/resolve.js';
import type { BundleFile } from '../bundle/materialize.js';
import { writeBundle } from '../bundle/write.js';
import { UsageError } from '../errors.js';

/** A bundle directory as it stands on disk. */
export interface LoadedBundle {
  readonly dir: string;
  readonly files: readonly BundleFile[];
  readonly answers: Answers;
}

async function walk(root: string, rel: string, out: BundleFile[]): Promise<void> {
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = await lstat(join(root, path));
    if (st.isSymbolicLink()) throw new UsageError(`${join(root, path)}: is a symbolic link; a bundle holds plain files only`);
    if (st.isDirectory()) await walk(root, path, out);
    else if (st.isFile()) out.push({ path, mode: st.mode & 0o777, bytes: new Uint8Array(await readFile(join(root, path))) });
  }
}

/** Read every file of the bundle at `dir` and its answers.json; a directory that is not a bundle is a usage error. */
export async function readBundle(dir: string): Promise<LoadedBundle> {
  const root = resolve(dir);
  let st;
  try {
    st = await lstat(root);
  } catch (err) {
    throw new UsageError(`${dir}: cannot read the bundle (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!st.isDirectory()) throw new UsageError(`${dir}: not a directory; give the bundle directory that generate wrote`);
  const files: BundleFile[] = [];
  await walk(root, '', files);
  const answersFile = files.find((f) => f.path === 'answers.json');
  if (!answersFile) throw new UsageError(`${dir}: not a bundle (no answers.json); give the directory that generate wrote`);
  const answers = completeAnswers(answersFromJson(Buffer.from(answersFile.bytes).toString('utf8'), join(dir, 'answers.json')), {});
  return { dir: root, files, answers };
}

/** The text of a bundle file, or undefined when it is absent. */
export function textOf(files: readonly BundleFile[], path: string): string | undefined {
  const f = files.find((x) => x.path === path);
  return f ? Buffer.from(f.bytes).toString('utf8') : undefined;
}

/** `files` with each of `changes` put in (replacing a file of the same path). */
export function withFiles(files: readonly BundleFile[], changes: readonly BundleFile[]): BundleFile[] {
  const paths = new Set(changes.map((c) => c.path));
  return [...files.filter((f) => !paths.has(f.path)), ...changes];
}

/** A text file for the bundle. */
export function textFile(path: string, mode: number, text: string): BundleFile {
  return { path, mode, bytes: new TextEncoder().encode(text) };
}

/**
 * Replace the bundle on disk with `files`, atomically (staging directory,
 * then rename). Resolves to a note for the user when their working directory
 * was inside the bundle: a shell there now stands in the replaced copy.
 */
export async function commitBundle(bundle: LoadedBundle, files: readonly BundleFile[]): Promise<string | undefined> {
  await writeBundle(bundle.dir, files, { force: true });
  const cwd = process.cwd();
  const inside = cwd === bundle.dir || cwd.startsWith(bundle.dir + '/');
  return inside ? `Note: the bundle directory was replaced as a whole; a shell inside it should 'cd ${bundle.dir}' again to see the new files.\n` : undefined;
}
