// Licensed under the Apache License, Version 2.0 (see LICENSE).
//
// A real OpenID provider for mod_tokenproxy's login tests: oidc-provider
// (npm, pinned in package-lock.json) on 127.0.0.1, with its own login and
// consent pages (devInteractions), PKCE required, refresh tokens rotated,
// revocation and RP-initiated logout, back-channel logout to the module's
// tokenproxy-backchannel, and one confidential client using
// client_secret_basic.  GET /__stats answers the counts of what it did.
//
//   node provider.mjs PORT HTTPD_PORT
import crypto from 'node:crypto';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const [port, httpdPort] = process.argv.slice(2).map(Number);
const issuer = `http://127.0.0.1:${port}`;
const site = `http://127.0.0.1:${httpdPort}`;
const stats = {};
const count = (k) => { stats[k] = (stats[k] || 0) + 1; };
// switches of the hardening tests (issue 18), set by GET /__swap_sub?to=
// (refreshed ID tokens name that subject; empty: off) and
// /__slow_jwks?ms= (the key set answers that late)
const test = { swapSub: '', slowJwks: 0 };

// signing keys drawn at start: RSA (RS256, PS256) and EC P-256 (ES256)
const jwk = (type, opts, kid) => ({
  ...crypto.generateKeyPairSync(type, opts).privateKey.export({ format: 'jwk' }),
  kid, use: 'sig',
});
const keys = [
  jwk('rsa', { modulusLength: 2048 }, 'rsa-1'),
  jwk('ec', { namedCurve: 'P-256' }, 'ec-1'),
];
// one client per ID token algorithm; its paths on the module's side
// start with its prefix ('' for the RS256 one)
const client = (id, prefix, alg, secret, extra = {}) => ({
  client_id: id,
  client_secret: secret,
  redirect_uris: [`${site}${prefix}/auth/callback`],
  post_logout_redirect_uris: [`${site}${prefix}/bye`],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: alg,
  ...extra,
});
const appClient = (s) => {
  const [id, secret, prefix] = s.split(',');
  return client(id, prefix, 'RS256', secret);
};

const provider = new Provider(issuer, {
  jwks: { keys },
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'HS256'] },
  clients: [
    // back-channel logout (issue 19): the module's endpoint registered,
    // and sid in ID tokens
    client('tp-client', '', 'RS256', 's3cr3t-client-secret', {
      backchannel_logout_uri: `${site}/auth/backchannel`,
      backchannel_logout_session_required: true,
    }),
    client('tp-client-ps', '/ps', 'PS256', 's3cr3t-client-secret-ps'),
    client('tp-client-es', '/es', 'ES256', 's3cr3t-client-secret-es'),
    client('tp-client-hs', '/hs', 'HS256', 's3cr3t-client-secret-hs-0123456789abcdef'),
    // one more for t/oidc/apps.pl (issue 22), run as two instances:
    // TP_OIDC_APP_CLIENT="id,secret,prefix"
    ...(process.env.TP_OIDC_APP_CLIENT ? [appClient(process.env.TP_OIDC_APP_CLIENT)] : []),
    // a machine client whose access tokens are JWTs for the audience
    // tp-client, signed with the provider's key (planted as ID cookies)
    {
      client_id: 'tp-client-cc', client_secret: 's3cr3t-client-secret-cc',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  conformIdTokenClaims: false,
  cookies: { keys: ['s3cr3t-provider-cookie-key'] },
  // oidc-provider refuses to send requests to special-use addresses
  // (its SSRF guard: a dispatcher that drops connections to 127.0.0.0/8
  // and others); the back-channel logout of these tests goes to the
  // module on 127.0.0.1, so for the tests only, the guard's dispatcher is
  // left out and the request goes out with Node's own fetch
  fetch: (url, options) => {
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    clientCredentials: { enabled: true },
    backchannelLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== 'urn:tp:api') throw new errors.InvalidTarget();
        return { scope: 'api', audience: 'tp-client', accessTokenFormat: 'jwt',
                 accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  async findAccount(ctx, id) {
    // the ID token's sub is the accountId: another one for refresh grants
    // while the test asks so
    const refresh = ctx?.oidc?.params?.grant_type === 'refresh_token';
    return {
      accountId: refresh && test.swapSub ? test.swapSub : id,
      async claims() {
        return { sub: id, name: `User ${id}`, email: `${id}@example.test` };
      },
    };
  },
});
provider.on('grant.success', (ctx) => count(`grant.${ctx.oidc.params.grant_type}`));
provider.on('grant.error', (ctx) => count(`grant_error.${ctx.oidc.params?.grant_type}`));
provider.on('grant.revoked', () => count('grant.revoked'));
provider.on('end_session.success', () => count('end_session'));
provider.on('backchannel.success', () => count('backchannel.success'));
provider.on('backchannel.error', (ctx, err) => {
  count('backchannel.error');
  console.log(`backchannel logout failed: ${err.message}`);
});

const app = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.url.startsWith('/__swap_sub') || req.url.startsWith('/__slow_jwks')) {
    const q = new URL(req.url, issuer).searchParams;
    if (req.url.startsWith('/__swap_sub')) test.swapSub = q.get('to') || '';
    else test.slowJwks = Number(q.get('ms') || 0);
    res.writeHead(204);
    res.end();
    return;
  }
  if (req.method === 'POST') count(`POST ${req.url.split('?')[0]}`);
  if (req.url === '/jwks') {
    count('GET /jwks');
    if (test.slowJwks) {
      setTimeout(() => app(req, res), test.slowJwks);
      return;
    }
  }
  app(req, res);
});
server.listen(port, '127.0.0.1', () => console.log(`oidc-provider ${issuer}`));
// stop with the test that started us
const parent = process.ppid;
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();
process.on('SIGTERM', () => process.exit(0));
