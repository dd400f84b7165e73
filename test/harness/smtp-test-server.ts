import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { eventually, freePort } from './servers';

export interface DeliveredMail {
  /** The envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  /** The raw message as the server received it. */
  raw: string;
  parsed: ParsedMail;
}

const USER = 'malted';
const PASSWORD = 'smtp-test-secret';

/**
 * A real SMTP server (nodemailer's smtp-server) on a free port of 127.0.0.1, requiring AUTH like a real
 * relay, that keeps every message it accepts, parsed with mailparser. `refuseNext` makes it answer the next
 * deliveries with an error, as a relay in trouble does.
 */
export class SmtpTestServer {
  readonly delivered: DeliveredMail[] = [];
  /** Every DATA the server was sent, accepted or refused. */
  attempts = 0;
  private server?: SMTPServer;
  private refusals: { count: number; code: number }[] = [];
  port = 0;

  get url(): string {
    return `smtp://${USER}:${PASSWORD}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 1000,
      onAuth: (auth, _session, callback) => {
        if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
        return callback(new Error('Invalid username or password'));
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.attempts += 1;
          const refusal = this.refusals[0];
          if (refusal) {
            refusal.count -= 1;
            if (refusal.count === 0) this.refusals.shift();
            return callback(Object.assign(new Error('Try again later'), { responseCode: refusal.code }));
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              this.delivered.push({
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                raw,
                parsed,
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** The next `count` deliveries get `code` (4xx: try again later; 5xx: refused for good). */
  refuseNext(count: number, code = 451): void {
    this.refusals.push({ count, code });
  }

  /** The mails delivered to one address so far. */
  to(address: string): DeliveredMail[] {
    return this.delivered.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  /** Waits for the `count`-th mail to an address (the first by default) and returns it. */
  async waitFor(address: string, count = 1, timeoutMs = 15_000): Promise<DeliveredMail> {
    const mails = await eventually(
      async () => this.to(address),
      (found) => found.length >= count,
      timeoutMs,
    );
    if (mails.length < count) throw new Error(`no mail #${count} to ${address} within ${timeoutMs} ms (got ${mails.length})`);
    return mails[count - 1];
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** The link in a mail's text that opens `page`, and the token in it. */
export function linkIn(mail: DeliveredMail, page: string): { url: URL; token: string } {
  const text = mail.parsed.text ?? '';
  const match = new RegExp(`https?://\\S+${page.replace(/[/]/g, '\\/')}\\?token=\\S+`).exec(text);
  if (!match) throw new Error(`no ${page} link in the mail:\n${text}`);
  const url = new URL(match[0]);
  return { url, token: url.searchParams.get('token')! };
}
