import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail through SMTP_URL; without it, writes the message (and so its link) to the log. */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transport?: Transporter;

  constructor(
    private readonly config: AppConfig,
    private readonly db: DbContext,
  ) {
    if (config.SMTP_URL) this.transport = createTransport(config.SMTP_URL);
  }

  /** A link into the frontend, e.g. link('/verify-email', { token }). */
  link(path: string, params: Record<string, string>): string {
    const url = new URL(path, this.config.APP_URL);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  /**
   * Sends once the current transaction commits (never for a change that rolled back), without
   * holding up the response: the SMTP round trip would also tell apart known and unknown emails.
   */
  send(mail: Mail): void {
    this.db.afterCommit(() => void this.deliver(mail));
  }

  private async deliver(mail: Mail): Promise<void> {
    if (!this.transport) {
      this.logger.log(`Email to ${mail.to} (SMTP_URL not set, not sent): ${mail.subject}\n${mail.text}`);
      return;
    }
    try {
      await this.transport.sendMail({ from: this.config.MAIL_FROM, ...mail });
    } catch (error) {
      // Mail is best effort: the change it reports has happened; the user can ask again.
      this.logger.error(`Could not send "${mail.subject}" to ${mail.to}: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
