/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * Discovery documents, and the login request's random values (see
 * tp_oidc_meta.h).
 */

#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <apr_strings.h>

#include "core/tp_b64.h"
#include "core/tp_jose.h"
#include "core/tp_oidc_meta.h"

/* https://, or http:// to a loopback host; no user part, no fragment */
static int endpoint_ok(const char *url)
{
    const char *host, *end;
    apr_size_t n;

    if (!strncasecmp(url, "https://", 8)) {
        host = url + 8;
    }
    else if (!strncasecmp(url, "http://", 7)) {
        host = url + 7;
        end = host + strcspn(host, "/?#");
        n = (apr_size_t)(end - host);
        /* the host, with or without a port */
        if (!((n >= 9 && !strncmp(host, "127.0.0.1", 9)
               && (n == 9 || host[9] == ':'))
              || (n >= 5 && !strncmp(host, "[::1]", 5)
                  && (n == 5 || host[5] == ':'))
              || (n >= 9 && !strncasecmp(host, "localhost", 9)
                  && (n == 9 || host[9] == ':')))) {
            return 0;
        }
    }
    else {
        return 0;
    }
    end = host + strcspn(host, "/?#");
    if (end == host || memchr(host, '@', (apr_size_t)(end - host))
        || strchr(url, '#')) {
        return 0;
    }
    for (; *url; url++) {
        if ((unsigned char)*url <= 0x20 || (unsigned char)*url >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* The member as a string when it is an acceptable endpoint; *bad set when
 * it is there but not acceptable. */
static const char *endpoint(apr_pool_t *p, json_t *doc, const char *name,
                            int *bad)
{
    json_t *v = json_object_get(doc, name);

    if (!v) {
        return NULL;
    }
    if (!json_is_string(v) || !endpoint_ok(json_string_value(v))) {
        *bad = 1;
        return NULL;
    }
    return apr_pstrdup(p, json_string_value(v));
}

/* The TP_ALG_* bits of id_token_signing_alg_values_supported (none when
 * it is missing or not an array). */
static unsigned int announced_algs(json_t *doc)
{
    json_t *list = json_object_get(doc,
                                   "id_token_signing_alg_values_supported"),
           *v;
    unsigned int bits = 0;
    size_t i;

    json_array_foreach(list, i, v) {
        if (json_is_string(v)) {
            bits |= tp_jose_alg_bit(json_string_value(v));
        }
    }
    return bits;
}

int tp_oidc_meta_parse(apr_pool_t *p, const char *json, apr_size_t len,
                       const char *issuer, tp_oidc_meta *out,
                       const char **why)
{
    json_t *doc, *iss;
    json_error_t jerr;
    int bad = 0, ok = 0;

    memset(out, 0, sizeof(*out));
    if (len > TP_OIDC_MAX_DOC
        || !(doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr))) {
        *why = "the discovery document is not JSON";
        return 0;
    }
    iss = json_object_get(doc, "issuer");
    if (!json_is_object(doc)) {
        *why = "the discovery document is not a JSON object";
    }
    else if (!json_is_string(iss) || strcmp(json_string_value(iss), issuer)) {
        *why = "the discovery document's issuer is not "
               "TokenProxyOIDCProvider";
    }
    else {
        out->issuer = apr_pstrdup(p, issuer);
        out->authorization_endpoint = endpoint(p, doc,
                                               "authorization_endpoint",
                                               &bad);
        out->token_endpoint = endpoint(p, doc, "token_endpoint", &bad);
        out->jwks_uri = endpoint(p, doc, "jwks_uri", &bad);
        out->revocation_endpoint = endpoint(p, doc, "revocation_endpoint",
                                            &bad);
        out->end_session_endpoint = endpoint(p, doc, "end_session_endpoint",
                                             &bad);
        out->userinfo_endpoint = endpoint(p, doc, "userinfo_endpoint", &bad);
        out->id_token_algs = announced_algs(doc);
        out->iss_param_supported = json_is_true(json_object_get(
            doc, "authorization_response_iss_parameter_supported"));
        if (bad) {
            *why = "an endpoint of the discovery document is not an https:// "
                   "URL (http:// only to a loopback host)";
        }
        else if (!out->authorization_endpoint || !out->token_endpoint
                 || !out->jwks_uri) {
            *why = "the discovery document lacks authorization_endpoint, "
                   "token_endpoint or jwks_uri";
        }
        else {
            ok = 1;
        }
    }
    json_decref(doc);
    if (!ok) {
        memset(out, 0, sizeof(*out));
    }
    return ok;
}

unsigned int tp_oidc_id_token_algs(const tp_oidc_meta *m,
                                   const char *client_secret)
{
    unsigned int algs = TP_ALG_RS256 | TP_ALG_PS256 | TP_ALG_ES256;

    if (client_secret && *client_secret && (m->id_token_algs & TP_ALG_HS256)) {
        algs |= TP_ALG_HS256;
    }
    return algs;
}

const char *tp_oidc_random(apr_pool_t *p, apr_size_t n)
{
    unsigned char buf[64];

    if (n > sizeof(buf) || RAND_bytes(buf, (int)n) != 1) {
        return NULL;
    }
    return tp_b64url_encode(p, buf, n);
}

const char *tp_pkce_challenge(apr_pool_t *p, const char *verifier)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL)) {
        return NULL;
    }
    return tp_b64url_encode(p, md, n);
}
