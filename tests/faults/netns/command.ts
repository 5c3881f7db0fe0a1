import { execFileSync } from 'node:child_process';

/** The environment for system tools: PATH extended with the sbin directories `ip`, `tc`, `nft` live in. */
export function systemToolEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };
}

/** A system command that exited non-zero, with what it printed on stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`\`${command}\` failed: ${stderr.trim() || 'no output'}`);
    this.name = 'CommandError';
  }
}

/** Runs `file args` synchronously (no shell); returns stdout, throws {@link CommandError}. */
export function runCommand(file: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(file, args, {
      encoding: 'utf8',
      env: systemToolEnv(),
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 15_000,
    });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new CommandError(
      [file, ...args].join(' '),
      typeof stderr === 'string' && stderr !== '' ? stderr : String(error),
    );
  }
}

/** Runs a command and reports whether it succeeded, with stderr as the reason when not. */
export function tryCommand(
  file: string,
  args: readonly string[],
  input?: string,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  try {
    runCommand(file, args, input);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof CommandError ? error.message : String(error) };
  }
}
