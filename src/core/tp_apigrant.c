/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * The client-credentials, token exchange and on-behalf-of request bodies,
 * the kept tokens' keys and lifetimes.
 */

#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>

#include "core/tp_apigrant.h"
#include "core/tp_form.h"
#include "core/tp_jwt.h"

void tp_apigrant_client(apr_pool_t *p, const tp_grant_cfg *c,
                        const char *scope, const char *resource,
                        tp_grant_req *out)
{
    const char *body = "grant_type=client_credentials";

    if (scope && *scope) {
        body = apr_pstrcat(p, body, "&scope=", tp_form_escape(p, scope),
                           NULL);
    }
    if (resource && *resource) {
        body = apr_pstrcat(p, body, "&resource=",
                           tp_form_escape(p, resource), NULL);
    }
    tp_grant_form(p, c, body, out);
}

int tp_apigrant_exchange(apr_pool_t *p, const tp_grant_cfg *c,
                         tp_xformat_e fmt, const tp_exchange_target *t,
                         const char *subject, tp_grant_req *out)
{
    const char *body, *target;

    if (fmt == TP_XFORMAT_ENTRA_OBO) {
        if (t->kind != TP_TARGET_SCOPE) {
            return 0;
        }
        body = apr_pstrcat(p, "grant_type=",
                           tp_form_escape(p, TP_OBO_GRANT),
                           "&assertion=", tp_form_escape(p, subject),
                           "&requested_token_use=on_behalf_of"
                           "&scope=", tp_form_escape(p, t->value), NULL);
        tp_grant_form(p, c, body, out);
        return 1;
    }
    target = t->kind == TP_TARGET_AUDIENCE ? "&audience="
             : t->kind == TP_TARGET_RESOURCE ? "&resource=" : "&scope=";
    body = apr_pstrcat(p, "grant_type=",
                       tp_form_escape(p, TP_EXCHANGE_GRANT),
                       "&subject_token=", tp_form_escape(p, subject),
                       "&subject_token_type=",
                       tp_form_escape(p, TP_ACCESS_TOKEN_TYPE),
                       target, tp_form_escape(p, t->value), NULL);
    tp_grant_form(p, c, body, out);
    return 1;
}

static void add_part(EVP_MD_CTX *md, const char *s)
{
    unsigned char n[4];
    apr_size_t len = s ? strlen(s) : 0;

    n[0] = (unsigned char)(len >> 24);
    n[1] = (unsigned char)(len >> 16);
    n[2] = (unsigned char)(len >> 8);
    n[3] = (unsigned char)len;
    EVP_DigestUpdate(md, n, 4);
    if (len) {
        EVP_DigestUpdate(md, s, len);
    }
}

void tp_apigrant_key(tp_apigrant_kind_e kind, const char *url,
                     const char *client_id, const char *target,
                     const char *subject,
                     unsigned char key[TP_APIGRANT_KEY_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char k = (unsigned char)kind;
    unsigned int len = TP_APIGRANT_KEY_LEN;

    memset(key, 0, TP_APIGRANT_KEY_LEN);
    if (!md) {
        return;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
        EVP_DigestUpdate(md, "tokenproxy-api", 15);
        EVP_DigestUpdate(md, &k, 1);
        add_part(md, url);
        add_part(md, client_id);
        add_part(md, target);
        add_part(md, kind == TP_APIGRANT_EXCHANGE ? subject : NULL);
        EVP_DigestFinal_ex(md, key, &len);
    }
    EVP_MD_CTX_free(md);
}

apr_int64_t tp_apigrant_keep_for(apr_pool_t *p, const char *token,
                                 apr_int64_t expires_in, apr_int64_t skew,
                                 apr_int64_t now)
{
    tp_jwt_times t;
    apr_int64_t left;

    if (token && tp_jwt_times_of(p, token, &t) && t.has_exp) {
        left = t.exp - now - tp_jwt_skew(skew, &t);
    }
    else if (expires_in >= 0) {
        left = expires_in - (skew < expires_in / 2 ? skew : expires_in / 2);
    }
    else {
        return 0;
    }
    return left > 0 ? left : 0;
}

const char *tp_apigrant_target_str(apr_pool_t *p,
                                   const tp_exchange_target *t)
{
    return apr_pstrcat(p, t->kind == TP_TARGET_AUDIENCE ? "audience "
                       : t->kind == TP_TARGET_RESOURCE ? "resource "
                       : "scope ", t->value ? t->value : "", NULL);
}

const char *tp_apigrant_directive(int kind, const char *error, int has_key)
{
    if (!error || !strcmp(error, "invalid_client")) {
        return has_key ? "TokenProxyClientKey (the provider refused the "
                         "client's signed assertion: is the key's public "
                         "part registered for this client?) or "
                         "TokenProxyClient"
                       : "TokenProxyClient (the client id or secret)";
    }
    if (!strcmp(error, "unauthorized_client")) {
        return "TokenProxyClient (the provider does not allow this client "
               "this grant type)";
    }
    if (kind == TP_APIGRANT_EXCHANGE) {
        return !strcmp(error, "unsupported_grant_type")
               ? "TokenProxyExchangeFormat (the provider does not support "
                 "this grant type)"
               : "TokenProxyExchange (the provider does not know or allow "
                 "this target)";
    }
    if (kind == TP_APIGRANT_CLIENT) {
        return !strcmp(error, "invalid_target")
               ? "TokenProxyClientResource"
               : !strcmp(error, "invalid_scope") ? "TokenProxyClientScope"
               : "TokenProxyTokenType (the provider does not support the "
                 "client-credentials grant)";
    }
    return !strcmp(error, "invalid_scope") ? "TokenProxyScope"
           : "TokenProxyClient";
}
