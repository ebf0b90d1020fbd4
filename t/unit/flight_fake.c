/* Licensed under the Apache License, Version 2.0 (see LICENSE). */
/* The unit tests' store for tp_flight (flight_fake.h). */

#include <string.h>

#include <apr_strings.h>

#include "flight_fake.h"
#include "unit.h"

static int f_lock(void *c)
{
    fake *f = c;
    if (f->fail_lock) return 0;
    ck_assert(!f->locked);
    f->locked = 1;
    f->locks++;
    return 1;
}

static void f_unlock(void *c)
{
    fake *f = c;
    ck_assert(f->locked);
    f->locked = 0;
}

static int f_get(void *c, apr_pool_t *p, const unsigned char *key,
                 apr_size_t klen, unsigned char **data, apr_size_t *len)
{
    fake *f = c;
    fentry *e = apr_hash_get(f->data, key, (apr_ssize_t)klen);
    ck_assert(f->locked);
    if (!e || e->expiry <= f->now) return 0;
    *data = apr_pmemdup(p, e->data, e->len);
    *len = e->len;
    return 1;
}

static int f_put(void *c, apr_pool_t *p, const unsigned char *key,
                 apr_size_t klen, apr_time_t expiry,
                 const unsigned char *data, apr_size_t len)
{
    fake *f = c;
    fentry *e;
    (void)p;
    ck_assert(f->locked);
    if (f->fail_put_big && len > 2 && data[2] == 2) return 0;  /* done */
    while (f->max_results && (int)apr_hash_count(f->data) >= f->max_results
           && f->order->nelts) {
        /* evict the oldest result, as shmcb does when it is full */
        const unsigned char *old = APR_ARRAY_IDX(f->order, 0,
                                                 const unsigned char *);
        memmove(f->order->elts, f->order->elts + sizeof(old),
                (apr_size_t)(f->order->nelts - 1) * sizeof(old));
        f->order->nelts--;
        if (apr_hash_get(f->data, old, 32)) {
            apr_hash_set(f->data, old, 32, NULL);
            f->evictions++;
        }
    }
    e = apr_palloc(f->p, sizeof(*e));
    e->data = apr_pmemdup(f->p, data, len);
    e->len = len;
    e->expiry = expiry;
    key = apr_pmemdup(f->p, key, klen);
    apr_hash_set(f->data, key, (apr_ssize_t)klen, e);
    APR_ARRAY_PUSH(f->order, const unsigned char *) = key;
    f->puts++;
    return 1;
}

static int f_claim_get(void *c, const unsigned char *key, apr_size_t klen,
                       apr_time_t now, tp_claim *cl)
{
    fake *f = c;
    ck_assert(f->locked);
    ck_assert_uint_eq(klen, 32);
    return tp_claims_get(f->claims, key, now, cl);
}

int fake_claim_put(void *c, const unsigned char *key, apr_size_t klen,
                       apr_time_t now, const tp_claim *cl)
{
    fake *f = c;
    ck_assert(f->locked);
    ck_assert_uint_eq(klen, 32);
    return tp_claims_put(f->claims, key, now, cl);
}

static apr_time_t f_now(void *c) { return ((fake *)c)->now; }

static void f_sleep(void *c, apr_interval_time_t t)
{
    fake *f = c;
    ck_assert(!f->locked);          /* never sleeps holding the lock */
    f->now += t;
    f->sleeps++;
    f->last_sleep = t;
    if (f->on_sleep) f->on_sleep(f);
}

unsigned char fake_seal_key[TP_SEAL_KEY_LEN];

void fake_fill_store(fake *f, tp_flight_store *st)
{
    memset(st, 0, sizeof(*st));
    st->ctx = f;
    st->lock = f_lock;
    st->unlock = f_unlock;
    st->claim_get = f_claim_get;
    st->claim_put = fake_claim_put;
    st->get = f_get;
    st->put = f_put;
    st->now = f_now;
    st->sleep = f_sleep;
    st->seal_key = fake_seal_key;
}

static int f_watch(void *c, const unsigned char *key, apr_size_t klen)
{
    fake *f = c;
    ck_assert(!f->locked);
    ck_assert_uint_eq(klen, 32);
    (void)key;
    f->watches++;
    if (f->on_watch) f->on_watch(f);
    return f->watch_ok;
}

static int f_wait(void *c, apr_pool_t *p, apr_interval_time_t t,
                  tp_grant_res *res)
{
    fake *f = c;
    ck_assert(!f->locked);          /* never waits holding the lock */
    ck_assert(t > 0);
    f->waits++;
    if (t > f->max_wait) f->max_wait = t;
    if (f->on_wait) return f->on_wait(f, p, t, res);
    f->now += t;
    return 0;
}

static void f_unwatch(void *c)
{
    ((fake *)c)->unwatches++;
}

static void f_tell(void *c, const unsigned char *key, apr_size_t klen)
{
    fake *f = c;
    tp_claim cl;
    f->tells++;
    if (f->locked) f->told_locked++;
    /* told only once the outcome is stored */
    if (!tp_claims_get(f->claims, key, f->now, &cl)
        || cl.state == TP_CLAIM_IN_FLIGHT) {
        f->told_unstored++;
    }
    (void)klen;
}

void fake_told(tp_flight_store *st)
{
    st->watch = f_watch;
    st->wait = f_wait;
    st->unwatch = f_unwatch;
    st->tell = f_tell;
}

fake *fake_new(tp_flight_store *st, apr_uint32_t slots)
{
    fake *f = apr_pcalloc(unit_pool, sizeof(*f));
    f->p = unit_pool;
    f->data = apr_hash_make(unit_pool);
    f->order = apr_array_make(unit_pool, 64, sizeof(const unsigned char *));
    f->slots = slots;
    f->claims = tp_claims_init(apr_palloc(unit_pool, tp_claims_size(slots)),
                               slots);
    f->now = apr_time_from_sec(1000000);
    tp_seal_keygen(fake_seal_key);
    fake_fill_store(f, st);
    return f;
}

void do_refresh(void *baton, apr_pool_t *p, tp_grant_res *res)
{
    call *c = baton;
    c->calls++;
    if (c->f && c->f->locked) c->locked_during = 1;
    memset(res, 0, sizeof(*res));
    res->result = c->result;
    res->why = "test";
    if (c->result == TP_GRANT_OK) {
        res->tokens.access = apr_psprintf(p, "AT%d", c->calls);
        res->tokens.refresh = apr_psprintf(p, "RT%d", c->calls);
        res->tokens.expires_in = 60;
    }
}


void fake_inflight(fake *f, const unsigned char *key, apr_time_t lease_end)
{
    tp_claim c;

    memset(&c, 0, sizeof(c));
    c.state = TP_CLAIM_IN_FLIGHT;
    c.lease_end = lease_end;
    c.until = lease_end + apr_time_from_sec(60);
    f->locked = 1;
    ck_assert(fake_claim_put(f, key, 32, f->now, &c));
    f->locked = 0;
}

void fake_other_publishes(fake *f, const unsigned char *key,
                          const tp_flight_params *prm, int told)
{
    tp_flight_store s2;
    call c2 = { 100, TP_GRANT_OK, NULL, 0 };
    tp_flight_out o2;
    tp_claim none;

    /* its claim gives way (over at once: a free slot), and it publishes
     * through the same code path as a first refresh */
    memset(&none, 0, sizeof(none));
    none.state = TP_CLAIM_FAILED;
    none.until = f->now;
    f->locked = 1;
    fake_claim_put(f, key, 32, f->now, &none);
    f->locked = 0;
    fake_fill_store(f, &s2);
    if (told) {
        fake_told(&s2);
    }
    tp_flight_run(f->p, &s2, prm, key, 32, do_refresh, &c2, &o2);
    ck_assert_int_eq(o2.how, TP_FLIGHT_REFRESHED);
}
