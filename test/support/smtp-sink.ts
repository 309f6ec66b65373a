import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { runningPair } from './pair';

export interface SentMail {
  to: string[];
  subject: string;
  text: string;
}

/**
 * A real SMTP server on loopback that keeps what it receives. Start it, pass `url` as SMTP_URL,
 * then read `messages` or wait for one with `next(to)`. Links are plain in the text body.
 */
export class SmtpSink {
  readonly messages: SentMail[] = [];
  private server?: SMTPServer;
  private waiters: { to: string; resolve: (mail: SentMail) => void }[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.receive(
            session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            chunks.length ? Buffer.concat(chunks).toString('utf8') : '',
          );
          callback();
        });
      },
    });
    // The pair of servers of test:scaleout mails one fixed port (test/support/pair.ts).
    const fixed = runningPair()?.smtpPort ?? 0;
    await new Promise<void>((resolve) => this.server!.listen(fixed, '127.0.0.1', resolve));
    const { port } = this.server.server.address() as AddressInfo;
    this.url = `smtp://127.0.0.1:${port}`;
    return this;
  }

  /** The next (or an already received, unclaimed) message to `to`. */
  next(to: string, timeoutMs = 5000): Promise<SentMail> {
    const index = this.messages.findIndex((mail) => mail.to.includes(to.toLowerCase()));
    if (index >= 0) return Promise.resolve(this.messages.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        to: to.toLowerCase(),
        resolve: (mail) => {
          clearTimeout(timer);
          resolve(mail);
        },
      });
    });
  }

  /** The first URL in a message's text whose query has `token`, and that token. */
  static link(mail: SentMail): { url: string; token: string } {
    const match = /(https?:\/\/\S+[?&]token=([A-Za-z0-9_-]+))/.exec(mail.text);
    if (!match) throw new Error(`no token link in: ${mail.text}`);
    return { url: match[1]!, token: match[2]! };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private receive(to: string[], raw: string): void {
    const [head = '', ...body] = raw.split(/\r?\n\r?\n/);
    const subject = /^subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
    // nodemailer sends plain text as quoted-printable when lines are long: undo soft breaks and =XX.
    const text = body
      .join('\n\n')
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const mail = { to, subject, text };
    const waiter = this.waiters.findIndex((w) => to.includes(w.to));
    if (waiter >= 0) this.waiters.splice(waiter, 1)[0]!.resolve(mail);
    else this.messages.push(mail);
  }
}
