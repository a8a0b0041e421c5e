import { logger } from '@nx/devkit';

/**
 * Logs the warnings of one `createDependencies` run through Nx's logger, each
 * text once, so an entry met twice in a run is reported once.
 */
export class WarningLog {
  private readonly logged = new Set<string>();

  /** Logs `nx-peppy: FILE: MESSAGE` unless this run logged the same text before. */
  warn(file: string, message: string): void {
    const text = `nx-peppy: ${file}: ${message}`;
    if (this.logged.has(text)) return;

    this.logged.add(text);
    logger.warn(text);
  }
}
