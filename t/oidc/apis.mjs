// Licensed under the Apache License, Version 2.0 (see LICENSE).
//
// A real OpenID provider for mod_tokenproxy's API token tests (issue 20):
// oidc-provider (the version pinned in package-lock.json) on 127.0.0.1.
// What its configuration checks:
//   - clientCredentials + resourceIndicators: a client-credentials token
//     asked for resource https://catalog.example/ is a JWT whose aud is
//     that resource (4 s lifetime, so the test sees it expire); any other
//     resource is invalid_target;
//   - token exchange (RFC 8693), added with the provider's own grant-type
//     API (registerGrantType): the subject token must be an access token
//     this provider issued, unexpired, to the very client that asks
//     (else invalid_grant); audience orders-api and hr-api give a JWT for
//     that audience with the subject's sub; audience refuse-api is
//     refused (invalid_grant); any other audience is invalid_target;
//   - private_key_jwt: client tp-pkjwt authenticates with an EC P-256 key
//     whose private part this script writes to DIR/client.pem (and an
//     unregistered one to DIR/wrong.pem); the provider verifies every
//     assertion (iss, sub, aud, jti, exp, signature);
//   - refresh tokens rotate, PKCE required, revocation, RP-initiated
//     logout, login and consent pages (devInteractions), as provider.mjs.
// GET /__stats answers the counts of what it did, and the client
// assertions it received (for the test's log check).
//
//   node apis.mjs PORT HTTPD_PORT DIR
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const [port, httpdPort] = process.argv.slice(2, 4).map(Number);
const dir = process.argv[4];
const issuer = `http://127.0.0.1:${port}`;
const site = `http://127.0.0.1:${httpdPort}`;
const stats = { assertions: [] };
const count = (k) => { stats[k] = (stats[k] || 0) + 1; };
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CATALOG = 'https://catalog.example/';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' };

// the private_key_jwt client's key, and one the provider does not know
const clientKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const wrongKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
fs.writeFileSync(`${dir}/client.pem`, clientKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o644 });
fs.writeFileSync(`${dir}/wrong.pem`, wrongKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o644 });

const b64u = (b) => Buffer.from(b).toString('base64url');
function signJwt(payload) {
  const head = b64u(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-1' }));
  const body = b64u(JSON.stringify(payload));
  const sig = crypto.sign('sha256', Buffer.from(`${head}.${body}`), rsa.privateKey);
  return `${head}.${body}.${b64u(sig)}`;
}

const grants = ['authorization_code', 'refresh_token', 'client_credentials', EXCHANGE];
const provider = new Provider(issuer, {
  jwks: { keys: [signingJwk] },
  clients: [
    {
      client_id: 'tp-api', client_secret: 's3cr3t-api-client-secret',
      redirect_uris: [`${site}/auth/callback`],
      post_logout_redirect_uris: [`${site}/bye`],
      grant_types: grants, response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'tp-pkjwt',
      redirect_uris: [`${site}/pk/auth/callback`, `${site}/bad/auth/callback`],
      post_logout_redirect_uris: [`${site}/bye`],
      grant_types: grants, response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...clientKey.publicKey.export({ format: 'jwk' }), kid: 'pk-1', use: 'sig' }] },
    },
  ],
  pkce: { required: () => true },
  rotateRefreshToken: true,
  scopes: ['openid', 'offline_access', 'catalog'],
  claims: { openid: ['sub'] },
  conformIdTokenClaims: false,
  cookies: { keys: ['s3cr3t-provider-cookie-key-apis'] },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf,
      useGrantedResource: () => false,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== CATALOG) throw new errors.InvalidTarget();
        return { scope: 'catalog', audience: CATALOG, accessTokenFormat: 'jwt',
                 accessTokenTTL: 8, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id }; } };
  },
});

// RFC 8693 token exchange through the provider's extension API
const AUDIENCES = new Set(['orders-api', 'hr-api', 'other-api']);
provider.registerGrantType(EXCHANGE, async (ctx) => {
  const p = ctx.oidc.params;
  const client = ctx.oidc.client;
  if (p.subject_token_type !== 'urn:ietf:params:oauth:token-type:access_token') {
    throw new errors.InvalidRequest('subject_token_type must be access_token');
  }
  if (p.audience === 'refuse-api') {
    count('exchange_refused');
    throw new errors.InvalidGrant('this subject may not have a token for refuse-api');
  }
  if (!AUDIENCES.has(p.audience)) throw new errors.InvalidTarget();
  const at = await provider.AccessToken.find(p.subject_token);
  if (!at || at.clientId !== client.clientId) {
    count('exchange_bad_subject');
    throw new errors.InvalidGrant('subject_token is not an access token of this client');
  }
  const now = Math.floor(Date.now() / 1000);
  count(`exchange.${client.clientId}.${p.audience}`);
  ctx.body = {
    access_token: signJwt({ iss: issuer, sub: at.accountId, aud: p.audience,
                            client_id: client.clientId, iat: now, exp: now + 120,
                            jti: crypto.randomUUID(), act: { sub: client.clientId } }),
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    token_type: 'Bearer',
    expires_in: 120,
  };
}, ['subject_token', 'subject_token_type', 'audience', 'resource', 'scope',
    'requested_token_type', 'actor_token', 'actor_token_type']);

provider.on('grant.success', (ctx) => count(`grant.${ctx.oidc.params.grant_type}.${ctx.oidc.client?.clientId}`));
provider.on('grant.error', (ctx, err) => count(`grant_error.${ctx.oidc.params?.grant_type}.${err?.error}`));
provider.on('grant.revoked', () => count('grant.revoked'));
provider.on('end_session.success', () => count('end_session'));

// the client assertions received, for the test's log check
provider.use(async (ctx, next) => {
  await next();
  const a = ctx.oidc?.body?.client_assertion;
  if (a) stats.assertions.push(a);
});
const app = provider.callback();
let down = false;
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  if (req.url === '/__down') {          // the provider down: 503 to all
    down = true;
    res.writeHead(204);
    res.end();
    return;
  }
  if (down) {
    res.writeHead(503, { 'Content-Type': 'text/plain' });
    res.end('down\n');
    return;
  }
  if (req.method === 'POST') count(`POST ${req.url.split('?')[0]}`);
  app(req, res);
});
server.listen(port, '127.0.0.1', () => console.log(`oidc-provider ${issuer}`));
const parent = process.ppid;
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();
process.on('SIGTERM', () => process.exit(0));
