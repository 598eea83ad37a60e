/**
 * A terminal made of streams for the plain prompts: what was written, and
 * keys sent one by one once the prompt they answer has been drawn.
 */
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';

export const ENTER = '\r';
export const DOWN = '\u001B[B';
export const UP = '\u001B[A';
export const CTRL_U = '\u0015';

/** Every prompt of the plain wizard for a new bundle, in order, as each is drawn. */
export const PROMPTS = [
  /\? Which PostgreSQL major version/,
  /\? Where should the bundle be written\?/,
  /\? NAME=HOST\[,HOST\.\.\.\] per server, primary first \(empty: one server\)/,
  /\? Names and addresses clients use/,
  /\? TCP port clients connect to/,
  /\? How should certificates be made\?/,
  /\? RSA key size/,
  /\? Days the server and client certificates stay valid/,
  /\? Oldest TLS version/,
  /\? Refuse every TCP connection/,
  /\? Client addresses the rules cover/,
  /\? How should connections be encrypted\?/,
  /\? What should the server ask of client certificates\?/,
  /\? Roles that get a client certificate/,
  /\? Role that standbys replicate as/,
  /\? Write the bundle to \.\/pg-secure-setup\?/,
];

export class StreamTerminal {
  readonly input = new PassThrough();
  private text = '';
  private seen = 0;
  readonly output = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.text += chunk.toString();
      done();
    },
  });

  get screen(): string {
    return stripVTControlCharacters(this.text);
  }

  /** Wait for `pattern` in what was written since the last match, then send `keys` one by one. */
  async on(pattern: RegExp, ...keys: string[]): Promise<string> {
    const end = Date.now() + 10_000;
    let fresh = '';
    for (;;) {
      fresh = this.screen.slice(this.seen);
      const m = pattern.exec(fresh);
      if (m) {
        this.seen += m.index + m[0].length;
        break;
      }
      if (Date.now() > end) throw new Error(`never saw ${pattern}; last output:\n${fresh.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const key of keys) {
      this.input.write(key);
      await new Promise((r) => setTimeout(r, 5));
    }
    return fresh;
  }
}
