import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one openssl run gave back; never throws on a non-zero exit. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function openssl(args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(err);
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** A scratch directory for one test file. */
export class Scratch {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Scratch> {
    return new Scratch(await mkdtemp(join(tmpdir(), 'pki-test-')));
  }

  async write(name: string, data: string | Uint8Array): Promise<string> {
    await writeFile(join(this.dir, name), data);
    return name;
  }

  run(args: string[]): Promise<RunResult> {
    return openssl(args, this.dir);
  }

  /** `openssl x509 -noout -text` of a certificate file. */
  async text(file: string): Promise<string> {
    const r = await this.run(['x509', '-in', file, '-noout', '-text']);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout;
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** The value lines under an extension heading in `openssl x509 -text`, e.g. "X509v3 Subject Key Identifier". */
export function extensionBlock(text: string, heading: string): { critical: boolean; value: string } | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim().startsWith(`${heading}:`));
  if (at < 0) return undefined;
  const indent = (lines[at] ?? '').search(/\S/);
  const value: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.search(/\S/) <= indent) break;
    value.push(l.trim());
  }
  return { critical: (lines[at] ?? '').includes('critical'), value: value.join('\n') };
}

/** Key id hex in one form: "keyid:AB:CD" or "AB:CD" (OpenSSL 3.0) to "abcd". */
export function keyIdHex(value: string | undefined): string {
  return (value ?? '').replace(/keyid:/g, '').replace(/[:\s]/g, '').toLowerCase();
}
