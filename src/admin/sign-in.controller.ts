import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Malted admin sign-in</title>
</head>
<body>
<h1>Queue dashboard</h1>
<form id="sign-in">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
<p id="message" role="status"></p>
<form method="post" action="/admin/queues/sign-out"><button type="submit">Sign out</button></form>
<script src="/admin/sign-in.js"></script>
</body>
</html>
`;

// A file of its own: the Content-Security-Policy (helmet) allows scripts from this origin, not inline ones.
const SCRIPT = `document.getElementById('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const message = document.getElementById('message');
  const token = document.getElementById('token').value.trim();
  message.textContent = 'Signing in...';
  const res = await fetch('/api/v1/admin/session', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
  if (res.ok) return location.assign('/admin/queues');
  const body = await res.json().catch(() => ({}));
  message.textContent = body.message || 'Refused (' + res.status + ')';
});
`;

/** The sign-in form of the queue dashboard: it posts an admin token to POST /api/v1/admin/session. */
@ApiExcludeController()
@Controller({ path: 'admin', version: VERSION_NEUTRAL })
export class SignInController {
  @Get('sign-in')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  // Helmet's no-referrer makes a browser send `Origin: null` with this page's sign-out form, which the
  // dashboard's Origin check must refuse; same-origin keeps the real origin on requests to this site only.
  @Header('Referrer-Policy', 'same-origin')
  page(): string {
    return PAGE;
  }

  @Get('sign-in.js')
  @Public()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return SCRIPT;
  }
}
