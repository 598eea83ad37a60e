/**
 * The server key's passphrase for generate (--server-key-passphrase-command):
 * read from stdin with --server-key-passphrase-stdin, else asked twice on the
 * terminal without echo. It goes only into the encrypted key: never into
 * answers.json, the Plan or a log line.
 */
import { UsageError } from '../errors.js';
import { checkPassphrase, checkPassphraseCommand } from '../plan/key-passphrase.js';

/** parseArgs options for the passphrase flags. */
export const KEY_PASSPHRASE_OPTIONS = {
  'server-key-passphrase-command': { type: 'string' },
  'server-key-passphrase-stdin': { type: 'boolean' },
} as const;

/** Help lines for those flags. */
export const KEY_PASSPHRASE_HELP = `  --server-key-passphrase-command CMD
                        encrypt server.key (PKCS#8, AES-256) and set ssl_passphrase_command = CMD
                        (18.9.1, 19.3.3): the server runs CMD to get the passphrase. The key is
                        only as safe as CMD's source (secrets manager, systemd-ask-password,
                        a root-only file). The passphrase is asked on the terminal, never saved
  --server-key-passphrase-stdin
                        read that passphrase from stdin (one line) instead of asking`;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** One line typed without echo (raw mode); rejects on Ctrl+C. */
function askHidden(prompt: string, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    stdout.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stdout.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\u0003') return done(new UsageError('cancelled: nothing was written'));
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The command and passphrase the flags ask for, checked (UsageError, exit 2,
 * before anything is written); undefined without the command flag.
 */
export async function keyPassphraseFromFlags(
  values: Record<string, unknown>,
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
): Promise<{ command: string; passphrase: string } | undefined> {
  const command = values['server-key-passphrase-command'];
  const fromStdin = !!values['server-key-passphrase-stdin'];
  if (typeof command !== 'string') {
    if (fromStdin) throw new UsageError('--server-key-passphrase-stdin needs --server-key-passphrase-command CMD (the command the server runs to get the passphrase)');
    return undefined;
  }
  const bad = checkPassphraseCommand(command);
  if (bad) throw new UsageError(`--server-key-passphrase-command ${bad}`);
  let passphrase: string;
  if (fromStdin) passphrase = await readStdin(stdin);
  else if (stdin.isTTY && stdout.isTTY) {
    passphrase = await askHidden('Passphrase for server.key (not shown, not saved): ', stdin, stdout);
    const again = await askHidden('The same passphrase again: ', stdin, stdout);
    if (again !== passphrase) throw new UsageError('the two passphrases differ; nothing was written');
  } else throw new UsageError('--server-key-passphrase-command needs the passphrase: pass --server-key-passphrase-stdin and pipe it in, or run on a terminal to be asked');
  const weak = checkPassphrase(passphrase);
  if (weak) throw new UsageError(`the server key's passphrase ${weak}; nothing was written`);
  return { command, passphrase };
}
