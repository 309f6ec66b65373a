import { Writable } from 'node:stream';

/** The app's log kept in memory (the app writes it here instead of stdout), to check what it holds. */
export class LogCapture extends Writable {
  private readonly chunks: string[] = [];
  bytes = 0;

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    const text = chunk.toString();
    this.chunks.push(text);
    this.bytes += text.length;
    done();
  }

  get lines(): number {
    return this.chunks.reduce((sum, chunk) => sum + (chunk.match(/\n/g)?.length ?? 0), 0);
  }

  /**
   * Which of `secrets` appear in the log. Secrets are runs of [A-Za-z0-9._~-] (passwords, JWTs,
   * keys, tokens); the log is cut into maximal runs of those characters, and a secret written
   * anywhere (in JSON, a URL, a message) stands as one run between quotes, spaces or `=`.
   */
  leaked(secrets: string[]): string[] {
    const runs = new Set(this.chunks.join('').match(/[A-Za-z0-9._~-]{8,}/g) ?? []);
    return [...new Set(secrets)].filter((secret) => runs.has(secret));
  }

  /** The log lines at warn level or above (pino: 40+), to show why a request was answered 5xx. */
  warnings(): string[] {
    return this.chunks
      .join('')
      .split('\n')
      .filter((line) => Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 40);
  }
}
