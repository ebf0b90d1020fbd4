// Licensed under the Apache License, Version 2.0 (see LICENSE).
//
// Log in through a real OpenID provider in a real browser: Debian's
// Chromium (playwright-core) goes from the module's tokenproxy-login to
// oidc-provider's own login and consent pages, types the credentials, and
// comes back logged in; the user endpoint shows the claims.  Prints TAP,
// numbered from FIRST.  Screenshots go to t/logs/browser/.
//
//   node t/browser/oidc.mjs SITE ISSUER FIRST
import { mkdirSync, writeFileSync } from 'node:fs';
import { launch, tap } from './common.mjs';

const [site, issuer, firstArg] = process.argv.slice(2);
const out = process.env.TP_BROWSER_OUT || 't/logs/browser';
mkdirSync(out, { recursive: true });
const consoleLog = [];

const t = tap(Number(firstArg || 1));
const ok = t.ok;

const browser = await launch();
const context = await browser.newContext();
context.setDefaultTimeout(20000);
const page = await context.newPage();
page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
try {
  // a navigation to a protected page: the module's login, then the provider
  await page.goto(`${site}/auth/login?return=/api/orders`);
  ok(page.url().startsWith(`${issuer}/interaction/`), 'the module sends the browser to the provider', page.url());
  await page.locator('input[name="login"]').waitFor();
  await page.screenshot({ path: `${out}/6-provider-login.png`, fullPage: true });
  await page.fill('input[name="login"]', 'alice');
  await page.fill('input[name="password"]', 's3cr3t-password');
  await page.click('button[type="submit"]');
  // the consent page (prompt=consent, offline_access)
  await page.locator('button[type="submit"]').waitFor();
  await page.screenshot({ path: `${out}/6-provider-consent.png`, fullPage: true });
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.href.startsWith(`${site}/api/orders`));
  ok(true, 'typing the credentials and consenting comes back to the return path');
  const jar = await context.cookies(site);
  const names = jar.map((c) => c.name);
  ok(['accessToken', 'refreshToken', 'idToken'].every((x) => names.includes(x))
     && jar.filter((c) => /Token$/.test(c.name)).every((c) => c.httpOnly),
     'logged in: access, refresh and ID cookies, HttpOnly', names.join(','));
  ok(!/accessToken|refreshToken|idToken/.test(await page.evaluate(() => document.cookie)),
     'document.cookie shows none of them');
  const body = await page.evaluate(() => document.body.innerText);
  ok(/"Bearer /.test(body), 'the upstream got a Bearer token', body.slice(0, 200));
  const user = await page.evaluate(async () => {
    const r = await fetch('/auth/user');
    return { status: r.status, claims: await r.json() };
  });
  ok(user.status === 200 && user.claims.sub === 'alice' && user.claims.email === 'alice@example.test'
     && user.claims.iss === issuer && typeof user.claims.exp === 'number',
     'the user endpoint shows the claims', JSON.stringify(user));
  ok(!JSON.stringify(user).includes('eyJ'), 'and no token');
  await page.screenshot({ path: `${out}/6-logged-in.png`, fullPage: true });
} catch (e) {
  ok(false, 'the login through the provider', e.stack || e.message);
  try {
    writeFileSync(`${out}/oidc-failed.html`, await page.content());
    await page.screenshot({ path: `${out}/oidc-failed.png`, fullPage: true });
  } catch (e2) { /* the page is gone */ }
  writeFileSync(`${out}/oidc.console.log`, consoleLog.join('\n') + '\n');
}
await browser.close();
process.exit(t.failed() ? 1 : 0);
