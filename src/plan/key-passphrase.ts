/**
 * A passphrase-protected server key (18.9.1; 19.3.3 ssl_passphrase_command):
 * the settings that let the server unlock it, and the checks on the command
 * and the passphrase. The passphrase itself never reaches a Plan or a file
 * other than the encrypted key.
 */
import type { Setting } from './settings.js';

/** Longest command accepted: it is one line of postgresql.conf. */
const MAX_COMMAND = 1024;

/** Why a passphrase command cannot be used, or undefined. */
export function checkPassphraseCommand(command: string): string | undefined {
  if (command.trim() === '') return 'is empty: name the command that prints the passphrase (e.g. a secrets manager, or cat of a root-only file)';
  if (/[\0\r\n]/.test(command)) return 'must be one line (it goes into postgresql.conf)';
  if (command.length > MAX_COMMAND) return `is ${command.length} characters; at most ${MAX_COMMAND}`;
  return undefined;
}

/** Why a passphrase cannot be used, or undefined (OpenSSL asks 4 characters at least; a command prints one line). */
export function checkPassphrase(passphrase: string): string | undefined {
  if (passphrase.length < 4) return 'is shorter than 4 characters (OpenSSL refuses shorter ones)';
  if (/[\0\r\n]/.test(passphrase)) return 'must be one line: the command prints it on one line';
  if (Buffer.byteLength(passphrase) > 1023) return 'is longer than 1023 bytes';
  return undefined;
}

/**
 * Whether the command can run at a reload too. systemd-ask-password asks on
 * a console that exists only at start-up: reloading through it would fail
 * to load the SSL files (19.3.3), so such keys load only on a restart.
 */
export function commandSupportsReload(command: string): boolean {
  return !/\bsystemd-ask-password\b|\bsystemd-tty-ask-password-agent\b/.test(command);
}

/** The two settings that unlock the key: the command, and whether it runs at reload too. */
export function passphraseSettings(command: string): Setting[] {
  const reload = commandSupportsReload(command);
  return [
    { name: 'ssl_passphrase_command', value: command, comment: 'prints the server key\'s passphrase (19.3.3): the key is only as safe as where this command gets it' },
    {
      name: 'ssl_passphrase_command_supports_reload',
      value: reload,
      comment: reload ? 'run it at reload too, so new SSL files load without a restart' : 'it asks on a console that exists only at start-up: new SSL files need a restart',
    },
  ];
}

/** The README's paragraph on the protected key. */
export function passphraseReadme(command: string): string {
  const reload = commandSupportsReload(command);
  return [
    '',
    '`server/server.key` is encrypted (PKCS#8, AES-256) with the passphrase you gave;',
    `the server asks \`${command}\` for it at every start${reload ? ' and reload' : ' (not at reload: changing the SSL files needs a restart)'}`,
    '(`ssl_passphrase_command`, 19.3.3). The passphrase protects the key only as well',
    'as that command\'s source does: a file readable by the server\'s user, or a secret',
    'store the server can always ask, gives a thief of the data directory both.',
    'Install it with `apply --passphrase-command` naming the same command:',
    '',
    '```sh',
    `sudo npx pg-secure-setup apply . --passphrase-command '${command.replace(/'/g, "'\\''")}'`,
    '```',
    '',
  ].join('\n');
}
