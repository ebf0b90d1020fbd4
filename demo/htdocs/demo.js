// Licensed under the Apache License, Version 2.0 (see LICENSE).
// The demo single-page app: plain JavaScript, no build step, and no token
// anywhere in it.  It calls /auth/login (whose token answer the module
// turns into HttpOnly cookies), /api/me through the module, /auth/logout,
// and polls /tokenproxy-status.
'use strict';

const $ = (id) => document.getElementById(id);
let expiresAt = 0;          // the access token's exp, as the API tells it

function log(text) {
  const li = document.createElement('li');
  li.textContent = new Date().toLocaleTimeString() + '  ' + text;
  $('log').prepend(li);
  while ($('log').children.length > 12) $('log').lastChild.remove();
}

// when the session ends (TokenProxySessionIdleTimeout and
// TokenProxySessionMaxAge), from tokenproxy-user's "session" member
function showSessionEnd(session) {
  const at = (t) => new Date(t * 1000).toLocaleTimeString();
  const parts = [];
  if (session && session.idle_expires) {
    parts.push('at ' + at(session.idle_expires) + ' unless used before');
  }
  if (session && session.expires) {
    parts.push('at ' + at(session.expires) + ' at the latest');
  }
  $('session-ends').textContent = parts.length
    ? 'The session ends ' + parts.join(', and ') + '.' : '';
}

function showSession(me) {
  if (me) {
    $('who').textContent = 'Logged in as ' + me.sub;
    $('who').dataset.state = 'in';
    expiresAt = me.exp;
  } else {
    showSessionEnd(null);
    $('who').textContent = 'Not logged in';
    $('who').dataset.state = 'out';
    expiresAt = 0;
  }
  $('login-form').hidden = !!me;
  $('logout').hidden = !me;
}

// GET /api/me: who the upstream says the Bearer token is for
async function callApi() {
  const res = await fetch('/api/me', {credentials: 'same-origin',
                                      headers: {Accept: 'application/json'}});
  let body = {};
  try { body = await res.json(); } catch (e) { /* not JSON */ }
  if (res.status === 401) {
    showSession(null);            // the session is over: the page says so
  } else if (res.ok) {
    showSession(body);
    // after an OpenID login, the ID token's claims (tokenproxy-user)
    const u = await fetch('/auth/user', {credentials: 'same-origin'});
    if (u.ok) {
      const claims = await u.json();
      $('who').textContent = 'Logged in as ' + (claims.name || claims.sub)
        + (claims.email ? ' <' + claims.email + '>' : '');
      showSessionEnd(claims.session);
    }
  }
  return {status: res.status, body};
}

$('call').addEventListener('click', async () => {
  const r = await callApi();
  $('result').textContent = 'HTTP ' + r.status + (r.body.sub ? ' as ' + r.body.sub : '');
  $('result').dataset.status = r.status;
  log('call: ' + r.status);
});

$('call20').addEventListener('click', async () => {
  const all = await Promise.all(Array.from({length: 20}, callApi));
  const ok = all.filter((r) => r.status === 200).length;
  $('result').textContent = ok + ' of 20 calls answered 200';
  $('result').dataset.status = ok === 20 ? 200 : 0;
  log('20 calls at once: ' + ok + ' x 200');
});

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await fetch('/auth/login', {
    method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json'},
    // the demo provider's access tokens live 5 seconds
    body: JSON.stringify({username: $('username').value,
                          password: $('password').value, ttl: 5}),
  });
  log('login: ' + res.status);
  if (res.ok) await callApi();
});

$('logout').addEventListener('click', async () => {
  const res = await fetch('/auth/logout', {method: 'POST', credentials: 'same-origin'});
  log('logout: ' + res.status);
  showSession(null);
});

$('login-oidc').addEventListener('click', () => {
  window.location = '/auth/oidc/login?return=/';
});

async function pollStatus() {
  try {
    const res = await fetch('/tokenproxy-status', {cache: 'no-store'});
    const s = await res.json();
    const rows = ['refreshes_started', 'refreshes_succeeded', 'waits',
                  'grace_hits', 'refreshes_rejected', 'refreshes_unavailable'];
    $('counters').replaceChildren(...rows.map((k) => {
      const tr = document.createElement('tr');
      tr.innerHTML = '<th></th><td></td>';
      tr.firstChild.textContent = k.replace(/_/g, ' ');
      tr.lastChild.textContent = s[k];
      tr.lastChild.id = 'count-' + k;
      return tr;
    }));
  } catch (e) { /* the next poll will tell */ }
}

function tick() {
  const left = expiresAt ? Math.max(0, Math.round(expiresAt - Date.now() / 1000)) : null;
  $('lifetime').textContent = left === null ? ''
    : 'Access token: ' + left + ' s left (the next call after that refreshes it)';
}

callApi();
pollStatus();
setInterval(pollStatus, 1000);
setInterval(tick, 500);
