import type { MailJob, NotificationMailEvent } from '../jobs/queues';

export interface Site {
  name: string;
  /** The PUBLIC_URL origin, without a trailing slash. */
  publicUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  /** Notification mail: the one-click unsubscribe URL of its List-Unsubscribe header (RFC 8058). */
  unsubscribeUrl?: string;
}

/** The pages a mailed link opens (src/auth/account-pages.controller.ts); the token goes in the query. */
export const ACCOUNT_PAGES = {
  verifyEmail: '/account/verify-email',
  resetPassword: '/account/reset-password',
} as const;

export const linkTo = (site: Site, page: string, token: string): string => `${site.publicUrl}${page}?token=${encodeURIComponent(token)}`;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

const when = (iso: string) => new Date(iso).toUTCString();

/**
 * One mail as paragraphs. Every paragraph is text: the HTML part escapes it (usernames and addresses are
 * user content), and a link becomes an anchor only where the template says so.
 */
interface Body {
  subject: string;
  greeting: string;
  paragraphs: string[];
  link?: { label: string; url: string };
  after?: string[];
  /** Below the signature-to-be: how to get less mail. */
  unsubscribe?: { text: string; url: string };
}

function compose(site: Site, body: Body): RenderedMail {
  const unsubscribe = body.unsubscribe ? [`${body.unsubscribe.text}: ${body.unsubscribe.url}`, SETTINGS_HINT] : [];
  const paragraphs = [
    ...body.paragraphs,
    ...(body.link ? [`${body.link.label}: ${body.link.url}`] : []),
    ...(body.after ?? []),
    ...unsubscribe,
  ];
  const text = [body.greeting, ...paragraphs, `-- \n${site.name}, ${site.publicUrl}`].join('\n\n') + '\n';
  const p = (content: string) => `<p>${content}</p>`;
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(body.subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5">',
    p(escapeHtml(body.greeting)),
    ...body.paragraphs.map((text) => p(escapeHtml(text))),
    ...(body.link
      ? [
          p(`<a href="${escapeHtml(body.link.url)}">${escapeHtml(body.link.label)}</a>`),
          p(`Or paste this address into your browser: ${escapeHtml(body.link.url)}`),
        ]
      : []),
    ...(body.after ?? []).map((text) => p(escapeHtml(text))),
    ...(body.unsubscribe
      ? [
          `<p style="font-size: smaller"><a href="${escapeHtml(body.unsubscribe.url)}">${escapeHtml(body.unsubscribe.text)}</a>. ` +
            `${escapeHtml(SETTINGS_HINT)}</p>`,
        ]
      : []),
    p(`&mdash; <a href="${escapeHtml(site.publicUrl)}">${escapeHtml(site.name)}</a>`),
    '</body></html>',
  ].join('\n');
  return { subject: body.subject, text, html, ...(body.unsubscribe ? { unsubscribeUrl: body.unsubscribe.url } : {}) };
}

const SETTINGS_HINT =
  'Choose which of these mails you get, or one mail a day instead, in your account settings (notificationMail, PATCH /api/v1/me).';

/** One event in a few words, e.g. `bob commented on "Cats"` (a subject). */
export function headline(event: NotificationMailEvent): string {
  switch (event.kind) {
    case 'follow':
      return event.shake?.userShake === false ? `${event.actor} followed your shake ${event.shake.name}` : `${event.actor} followed you`;
    case 'comment':
      return `${event.actor} commented on ${titleOf(event)}`;
    case 'mention':
      return `${event.actor} mentioned you in a comment on ${titleOf(event)}`;
  }
}

/** One event in a sentence, with the start of the comment. */
export const describe = (event: NotificationMailEvent): string =>
  event.excerpt === undefined ? headline(event) : `${headline(event)}: "${event.excerpt}"`;

const titleOf = (event: NotificationMailEvent) => (event.file?.title ? `"${event.file.title}"` : 'your file');

const UNSUBSCRIBE_TEXT: Record<NotificationMailEvent['kind'], string> = {
  follow: 'Mail me no more about new followers',
  comment: 'Mail me no more about comments on my files',
  mention: 'Mail me no more about mentions',
};

/** The subject, plain text and HTML of a mail job. */
export function render(job: MailJob, site: Site): RenderedMail {
  switch (job.template) {
    case 'verify-email': {
      const { username, token, expiresAt, change } = job.data;
      return compose(site, {
        subject: `Verify your email address for ${site.name}`,
        greeting: `Hello ${username},`,
        paragraphs: [
          change
            ? `You asked to use this address for your ${site.name} account. It takes effect once you confirm it.`
            : `Welcome to ${site.name}! Please confirm that this address is yours.`,
        ],
        link: { label: 'Verify this address', url: linkTo(site, ACCOUNT_PAGES.verifyEmail, token) },
        after: [`The link works once, until ${when(expiresAt)}. If you did not ask for this, ignore this mail.`],
      });
    }
    case 'password-reset': {
      const { username, token, expiresAt } = job.data;
      return compose(site, {
        subject: `Reset your ${site.name} password`,
        greeting: `Hello ${username},`,
        paragraphs: [`Someone (we hope you) asked to reset the password of your ${site.name} account.`],
        link: { label: 'Choose a new password', url: linkTo(site, ACCOUNT_PAGES.resetPassword, token) },
        after: [
          `The link works once, until ${when(expiresAt)}. Setting a new password signs out every device.`,
          'If you did not ask for this, ignore this mail: your password stays as it is.',
        ],
      });
    }
    case 'password-changed': {
      const { username, how } = job.data;
      return compose(site, {
        subject: `Your ${site.name} password was changed`,
        greeting: `Hello ${username},`,
        paragraphs: [
          how === 'reset'
            ? `The password of your ${site.name} account was just reset with a link mailed to this address, and every device was signed out.`
            : `The password of your ${site.name} account was just changed.`,
          `If this was not you, reset your password at once from ${site.publicUrl} and check the address of your account.`,
        ],
      });
    }
    case 'email-changed': {
      const { username, newEmail } = job.data;
      return compose(site, {
        subject: `The email address of your ${site.name} account was changed`,
        greeting: `Hello ${username},`,
        paragraphs: [
          `Your ${site.name} account now uses ${newEmail} instead of this address, which will receive no more mail from us.`,
          "If this was not you, contact the site's admins at once: whoever made the change knew your password.",
        ],
      });
    }
    case 'export-ready': {
      const { username, exportId, expiresAt } = job.data;
      return compose(site, {
        subject: `Your ${site.name} export is ready`,
        greeting: `Hello ${username},`,
        paragraphs: [
          `The export of your ${site.name} account you asked for is ready: a zip of your original files and your posts, shakes, likes, saves, comments and follows as JSON.`,
        ],
        link: { label: 'Download it (signed in as yourself)', url: `${site.publicUrl}/api/v1/me/exports/${exportId}/zip` },
        after: [`It can be downloaded until ${when(expiresAt)}, by you alone.`],
      });
    }
    case 'notification': {
      const { username, event, unsubscribeUrl } = job.data;
      return compose(site, {
        subject: `${headline(event)} on ${site.name}`,
        greeting: `Hello ${username},`,
        paragraphs: [`${describe(event)}.`],
        link: event.file
          ? { label: 'See the file', url: event.file.url }
          : event.actorUrl
            ? { label: `See ${event.actor}'s shake`, url: event.actorUrl }
            : undefined,
        unsubscribe: { text: UNSUBSCRIBE_TEXT[event.kind], url: unsubscribeUrl },
      });
    }
    case 'notification-digest': {
      const { username, day, events, more, unsubscribeUrl } = job.data;
      const lines = events.map((event) => `${event.at.slice(11, 16)} UTC: ${describe(event)}${event.file ? ` (${event.file.url})` : ''}`);
      return compose(site, {
        subject: `Your ${site.name} day, ${day}: ${events.length + more} new ${events.length + more === 1 ? 'event' : 'events'}`,
        greeting: `Hello ${username},`,
        paragraphs: [`What happened on ${site.name} on ${day} (UTC):`, ...lines, ...(more > 0 ? [`... and ${more} more.`] : [])],
        unsubscribe: { text: 'Mail me no more about followers, comments and mentions', url: unsubscribeUrl },
      });
    }
  }
}
