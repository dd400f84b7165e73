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
});
