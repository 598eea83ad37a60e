/**
 * Secrets from the user without echo or command-line exposure: a muted
 * prompt on a terminal, or all of standard input.
 */
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../errors.js';

/** A readable terminal: process.stdin, or a test double with the same members. */
export interface TtyInput extends Readable {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/** Ctrl+C or Ctrl+D at a prompt. */
export class PromptCancelledError extends UsageError {
  override name = 'PromptCancelledError';
}

/**
 * Ask for a line without echoing it. Raw mode, so nothing the user types
 * reaches the screen; Backspace edits, Enter ends, Ctrl+C and Ctrl+D on an
 * empty line cancel. Escape sequences (arrow keys) are ignored.
 */
export function promptHidden(question: string, io: { input?: TtyInput; output?: Writable } = {}): Promise<string> {
  const input = io.input ?? (process.stdin as TtyInput);
  const output = io.output ?? process.stderr;
  if (!input.isTTY || !input.setRawMode) {
    return Promise.reject(new UsageError('no terminal to ask for the password on: pipe it in with --password-stdin'));
  }
  output.write(question);
  input.setRawMode(true);
  input.resume();
  let answer = '';
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (chunk: Buffer | string) => {
      const text = chunk.toString();
      if (text.startsWith('\u001b')) return; // arrow keys and other escape sequences
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new PromptCancelledError('cancelled'));
        if (ch === '\u0004') {
          if (answer === '') return finish(new PromptCancelledError('cancelled'));
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          answer = Array.from(answer).slice(0, -1).join('');
          continue;
        }
        if (ch === '\u0015') {
          answer = ''; // Ctrl+U: start over
          continue;
        }
        if (ch < ' ') continue;
        answer += ch;
      }
    };
    input.on('data', onData);
  });
}

/** All of a stream as bytes. */
export async function readAll(input: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** A secret piped in: all of it, less one trailing newline ("\n" or "\r\n"), as `echo` and here-documents add. */
export function stripOneNewline(data: Buffer): Buffer {
  if (data.length > 0 && data[data.length - 1] === 0x0a) {
    return data.subarray(0, data.length >= 2 && data[data.length - 2] === 0x0d ? -2 : -1);
  }
  return data;
}
