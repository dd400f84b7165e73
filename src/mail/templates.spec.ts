import { escapeHtml, render } from './templates';

const site = { name: 'Malted', publicUrl: 'https://malted.example.com' };

describe('mail templates', () => {
  it('escapes user content in the HTML part and keeps it as it is in the text', () => {
    const mail = render(
      { template: 'email-changed', to: 'old@example.com', data: { username: '<b>eve</b>', newEmail: '"x"@example.com&<script>' } },
      site,
    );
    expect(mail.html).toContain('Hello &lt;b&gt;eve&lt;/b&gt;,');
    expect(mail.html).toContain('&quot;x&quot;@example.com&amp;&lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('Hello <b>eve</b>,');
  });

  it('links to PUBLIC_URL with the token, in both parts', () => {
    const mail = render(
      {
        template: 'password-reset',
        to: 'a@example.com',
        data: { username: 'alice', token: 'mle_abc-_', expiresAt: '2030-01-01T00:00:00.000Z' },
      },
      site,
    );
    expect(mail.subject).toBe('Reset your Malted password');
    expect(mail.text).toContain('https://malted.example.com/account/reset-password?token=mle_abc-_');
    expect(mail.html).toContain('<a href="https://malted.example.com/account/reset-password?token=mle_abc-_">');
    expect(mail.text).toContain('Tue, 01 Jan 2030 00:00:00 GMT');
  });

  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('escapes titles and comments in notification mail, and carries the unsubscribe URL for the headers', () => {
    const unsubscribeUrl = 'https://malted.example.com/account/unsubscribe?token=abc.comment.sig';
    const mail = render(
      {
        template: 'notification',
        to: 'a@example.com',
        data: {
          username: 'alice',
          unsubscribeUrl,
          event: {
            kind: 'comment',
            actor: 'bob',
            at: '2030-01-01T10:00:00.000Z',
            file: { title: '<img src=x>', url: 'https://malted.example.com/p/abc' },
            excerpt: '</p><script>alert(1)</script>',
          },
        },
      },
      site,
    );
    expect(mail.subject).toBe('bob commented on "<img src=x>" on Malted');
    expect(mail.html).not.toMatch(/<script>|<img/);
    expect(mail.html).toContain('&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.text).toContain(`Mail me no more about comments on my files: ${unsubscribeUrl}`);
    expect(mail.unsubscribeUrl).toBe(unsubscribeUrl);
  });

  it('lists a digest as one line per event with its UTC time, and counts what was left out', () => {
    const mail = render(
      {
        template: 'notification-digest',
        to: 'a@example.com',
        data: {
          username: 'alice',
          day: '2030-01-01',
          events: [{ kind: 'follow', actor: 'bob', at: '2030-01-01T09:05:00.000Z', shake: { name: 'alice', userShake: true } }],
          more: 2,
          unsubscribeUrl: 'https://malted.example.com/account/unsubscribe?token=t',
        },
      },
      site,
    );
    expect(mail.subject).toBe('Your Malted day, 2030-01-01: 3 new events');
    expect(mail.text).toContain('09:05 UTC: bob followed you');
    expect(mail.text).toContain('... and 2 more.');
  });
});
