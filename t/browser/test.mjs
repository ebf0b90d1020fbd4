// Licensed under the Apache License, Version 2.0 (see LICENSE).
//
// The whole flow in a real browser: Debian's Chromium, headless, driven by
// playwright-core, against the demo (demo/run.sh --serve).  Exact counts
// come from the demo provider's counters.  Prints TAP.  Screenshots of the
// key steps go to t/logs/browser/; a failed step saves the page's HTML and
// console log there too.
//
//   node t/browser/test.mjs BASE UPSTREAM
import { mkdirSync, writeFileSync } from 'node:fs';
import { launch, tap } from './common.mjs';

const [base, upstream] = process.argv.slice(2);
const out = process.env.TP_BROWSER_OUT || 't/logs/browser';
mkdirSync(out, { recursive: true });
const crossSite = base.replace('127.0.0.1', 'localhost');   // another site

const consoleLog = [];

const t = tap();
const ok = t.ok;

async function stats() {
  const res = await fetch(`${upstream}/__stats`);
  return res.json();
}

async function delta(fn) {
  const before = await stats();
  const value = await fn();
  const after = await stats();
  const d = {};
  for (const k of Object.keys(after)) d[k] = after[k] - (before[k] || 0);
  return [d, value];
}

const browser = await launch();
const context = await browser.newContext();
context.setDefaultTimeout(20000);
const page = await context.newPage();
page.on('console', (m) => consoleLog.push(`[tab 1] ${m.type()}: ${m.text()}`));

// run one step; on failure save the page and its console
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    ok(false, name, e.stack || e.message);
    const safe = name.replace(/[^a-z0-9]+/gi, '-');
    try {
      writeFileSync(`${out}/${safe}.html`, await page.content());
      await page.screenshot({ path: `${out}/${safe}-failed.png`, fullPage: true });
    } catch (e2) { /* the page is gone */ }
    writeFileSync(`${out}/${safe}.console.log`, consoleLog.join('\n') + '\n');
  }
}

const shot = (name, p = page) => p.screenshot({ path: `${out}/${name}.png`, fullPage: true });
const resultOf = async (p) => Number(await p.locator('#result').getAttribute('data-status'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function login(p) {
  await p.goto(`${base}/`);
  await p.locator('#who[data-state="out"]').waitFor();
  await p.click('#login');
  await p.locator('#who[data-state="in"]').waitFor();
}

async function callOnce(p) {
  await p.evaluate(() => { document.getElementById('result').dataset.status = ''; });
  await p.click('#call');
  await p.waitForFunction(() => document.getElementById('result').dataset.status !== '');
  return resultOf(p);
}

// 1. log in; the page sees no token; the API gets the Bearer token
await step('login and a first call', async () => {
  await login(page);
  await shot('1-logged-in');
  const cookies = await page.evaluate(() => document.cookie);
  ok(!/accessToken|refreshToken/.test(cookies), 'after login, document.cookie shows no token cookie', cookies);
  const jar = await context.cookies();
  ok(jar.filter((c) => /^(access|refresh)Token$/.test(c.name) && c.httpOnly).length === 2,
     'the browser holds both token cookies, HttpOnly', JSON.stringify(jar.map((c) => c.name)));
  const [d, status] = await delta(() => callOnce(page));
  ok(status === 200, 'the page can call the API', status);
  ok(d.secure_ok === 1, 'the upstream received the Bearer token (one authenticated call)', JSON.stringify(d));
});

// 2. past the access token's expiry: the call succeeds, one refresh
await step('a call after expiry', async () => {
  await sleep(6000);                   // demo tokens live 5 s
  const [d, status] = await delta(() => callOnce(page));
  ok(status === 200, 'after expiry the call succeeds, no 401 visible to the page', status);
  ok(d.refresh_calls === 1, 'the provider saw exactly 1 refresh', JSON.stringify(d));
  ok(!(d.secure_401 > 0), 'the upstream never refused a token', JSON.stringify(d));
  await shot('2-refreshed');
});

// 3. three tabs of one browser, 10 calls each at once, after expiry
await step('three tabs after expiry', async () => {
  const tabs = [page, await context.newPage(), await context.newPage()];
  for (const t of tabs.slice(1)) {
    t.on('console', (m) => consoleLog.push(`[tab] ${m.type()}: ${m.text()}`));
    await t.goto(`${base}/`);
    await t.locator('#who[data-state="in"]').waitFor();
  }
  await sleep(6000);
  const [d, statuses] = await delta(async () => (await Promise.all(tabs.map((t) => t.evaluate(async () => {
    const calls = Array.from({ length: 10 }, () => fetch('/api/me').then((r) => r.status));
    return Promise.all(calls);
  })))).flat());
  ok(statuses.filter((s) => s === 200).length === 30, '30 calls from three tabs: 30 successes', statuses.join(','));
  ok(d.refresh_calls === 1, 'exactly 1 refresh for the three tabs', JSON.stringify(d));
  ok(!(d.reuse_detected > 0), 'no refresh token reuse at the provider', JSON.stringify(d));
  await shot('3-three-tabs', tabs[2]);
  await tabs[1].close();
  await tabs[2].close();
});

// 4. logout; then a navigation lands on the login page, a fetch gets 401
await step('logout', async () => {
  await page.click('#logout');
  await page.locator('#who[data-state="out"]').waitFor();
  const res = await page.goto(`${base}/api/orders/42`);
  ok(new URL(page.url()).pathname === '/' && /return=%2Fapi%2Forders%2F42/.test(page.url()),
     'a navigation to a protected page lands on the login page', page.url());
  ok(res.status() === 200 && await page.locator('#login').isVisible(), 'which offers to log in', res.status());
  const r = await page.evaluate(async () => {
    const x = await fetch('/api/me');
    return { status: x.status, body: await x.json() };
  });
  ok(r.status === 401 && r.body.error === 'unauthorized', 'a fetch gets 401 JSON', JSON.stringify(r));
  await page.locator('#who[data-state="out"]').waitFor();
  ok(true, 'and the page shows it is logged out');
  await shot('4-logged-out');
});

// 5. another site: a form POST to the API is refused (403) before the
// upstream; a link from it does not log the user out
await step('cross-site', async () => {
  await login(page);
  await context.route(`${crossSite}/evil-form`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<form id="f" method="POST" action="${base}/api/transfer">
             <input name="amount" value="1000"></form>
           <script>document.getElementById('f').submit()</script>`,
  }));
  await context.route(`${crossSite}/evil-link`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<a id="link" href="${base}/api/orders/7">your orders</a>`,
  }));
  const evil = await context.newPage();
  const [d, status] = await delta(async () => {
    const [resp] = await Promise.all([
      evil.waitForResponse((r) => r.url().startsWith(`${base}/api/transfer`)),
      evil.goto(`${crossSite}/evil-form`),
    ]);
    return resp.status();
  });
  ok(status === 403, 'a cross-site form POST to the API gets 403', status);
  ok(!((d.secure_ok || 0) + (d.secure_401 || 0) > 0), 'and the upstream is not called', JSON.stringify(d));
  await shot('5-cross-site-refused', evil);
  // a plain link from the other site: no cookies go with it (Strict)
  await evil.goto(`${crossSite}/evil-link`);
  const [landed] = await Promise.all([
    evil.waitForNavigation({ url: (u) => u.href.startsWith(`${base}/?return=`) }),
    evil.click('#link'),
  ]);
  const first = landed.request().redirectedFrom();
  const nav = first && await first.response();
  const setCookie = nav ? (await nav.allHeaders())['set-cookie'] || '' : '';
  ok(nav && nav.status() === 302 && first.url() === `${base}/api/orders/7`
     && !/accessToken|refreshToken/.test(setCookie),
     'a cross-site link gets the login redirect and clears no cookie',
     `${nav && nav.status()} ${first && first.url()} ${setCookie}`);
  await evil.close();
  ok(await callOnce(page) === 200, 'the user is still logged in afterwards');
  await shot('5-still-logged-in');
});

// 7. the demo's "Log in with the OpenID provider" (its minimal provider)
await step('demo OpenID login', async () => {
  await page.click('#logout');
  await page.locator('#who[data-state="out"]').waitFor();
  await page.click('#login-oidc');
  await page.waitForURL((u) => u.href.startsWith(`${upstream}/oidc/authorize`));
  await shot('7-demo-provider');
  await page.click('button[type="submit"]');
  await page.locator('#who[data-state="in"]').waitFor();
  // the page says "in" after /api/me, and the ID token's name after its
  // next fetch (/auth/user): wait for that, bounded
  await page.locator('#who', { hasText: 'Demo user demo' })
    .waitFor({ timeout: 15000 }).catch(() => {});
  ok(/Demo user demo/.test(await page.locator('#who').innerText()),
     'the demo logs in with its OpenID provider, and shows the ID token\'s name',
     await page.locator('#who').innerText());
  ok(await callOnce(page) === 200, 'and its API calls work');
  // issue 19: the page shows when the session ends (tokenproxy-user's
  // "session" member; the demo sets both limits)
  const ends = await page.locator('#session-ends').innerText();
  ok(/unless used before.*at the latest/.test(ends),
     'the page shows when the session ends (idle and maximum age)', ends);
  await shot('7-demo-oidc-logged-in');
});

await browser.close();
console.log(`1..${t.count()}`);
process.exit(t.failed() ? 1 : 0);
