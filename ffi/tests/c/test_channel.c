/*
 * C tests of the command channel in the hwsms C API: config clones across
 * threads, the poller, result reports, the agent's other calls, result
 * names and error details. Run
 * by ffi/tests/c_api.rs against the local stand-in (examples/sms_standin.rs),
 * under valgrind when available.
 *
 *   test_channel URL CA_FILE TOKEN TAG
 *
 * TAG makes this run's server ids unique (the stand-in counts polls per id):
 * wait-TAG answers "nothing to do" twice, then START; unauthorized-TAG
 * always answers 401; slow-TAG answers START after 800 ms.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hwsms.h"
#include "check.h"

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

/* Reads a whole file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A config trusting the stand-in's CA from memory, with the new setters. */
static hwsms_config *make_config(const char *url, const char *ca_file, const char *token) {
    hwsms_config_builder *b = NULL;
    hwsms_config *c = NULL;
    hwsms_error *e = NULL;
    size_t len = 0;
    char *pem = read_file(ca_file, &len);
    CHECK(pem != NULL);
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, url) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_ca_pem(b, (const uint8_t *)pem, len) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_token(b, token) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_timeout_ms(b, 20000) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_body_cap(b, 65536) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_user_agent(b, "c-agent/1.0") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_max_idle_connections_per_host(b, 4) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_idle_connection_timeout_ms(b, 30000) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_dead_connection_timeout_ms(b, 5000) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &e) == HWSMS_OK);
    CHECK(c != NULL && e == NULL);
    hwsms_config_builder_free(b);
    free(pem);
    return c;
}

static void *fetch_five_times(void *arg) {
    hwsms_config *config = arg;
    int i;
    for (i = 0; i < 5; i++) {
        hwsms_command *cmd = NULL;
        hwsms_error *err = NULL;
        CHECK(hwsms_fetch_command(config, ID, &cmd, &err) == HWSMS_OK);
        CHECK(hwsms_command_kind(cmd) == HWSMS_COMMAND_START);
        hwsms_command_free(cmd);
        hwsms_error_free(err);
    }
    hwsms_config_free(config);
    return NULL;
}

static void test_clones_outlive_the_original(const char *url, const char *ca, const char *token) {
    hwsms_config *original = make_config(url, ca, token);
    hwsms_config *a = NULL, *b = NULL, *out = SENTINEL;
    pthread_t ta, tb;
    CHECK(hwsms_config_clone(original, &a) == HWSMS_OK);
    CHECK(hwsms_config_clone(original, &b) == HWSMS_OK);
    CHECK(hwsms_config_clone(NULL, &out) == HWSMS_ERR_NULL_ARGUMENT && out == SENTINEL);
    CHECK(hwsms_config_clone(original, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    /* Each thread frees its own handle; the original goes first. */
    CHECK(pthread_create(&ta, NULL, fetch_five_times, a) == 0);
    CHECK(pthread_create(&tb, NULL, fetch_five_times, b) == 0);
    hwsms_config_free(original);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
}

static void test_poller_swallows_nothing_to_do(hwsms_config *config, const char *tag) {
    char id[128];
    hwsms_poller *p = NULL;
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = NULL;
    snprintf(id, sizeof id, "wait-%s", tag);
    CHECK(hwsms_poller_new(config, "bad/id", &p) == HWSMS_ERR_INVALID_SERVER_ID && p == NULL);
    CHECK(hwsms_poller_new(config, id, &p) == HWSMS_OK);
    CHECK(hwsms_poller_set_interval_ms(p, 0) == HWSMS_ERR_CONFIG);
    CHECK(hwsms_poller_set_interval_ms(p, 20) == HWSMS_OK);
    CHECK(hwsms_poller_set_backoff_cap_ms(p, 200) == HWSMS_OK);
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_OK);
    CHECK(cmd != SENTINEL && err == NULL);
    CHECK(hwsms_command_kind(cmd) == HWSMS_COMMAND_START);
    CHECK(streq(hwsms_command_name(cmd), "START"));
    CHECK(streq(hwsms_command_task_id(cmd), "xxxxxxxxxxxxxxxxxxxxxxxx00000001"));
    hwsms_command_free(cmd);
    hwsms_poller_free(p);
}

struct stopper {
    const hwsms_poller *poller;
    long after_ms;
};

static void *stop_later(void *arg) {
    struct stopper *s = arg;
    sleep_ms(s->after_ms);
    hwsms_poller_stop(s->poller);
    return NULL;
}

static void test_401_then_stop_during_the_auth_pause(hwsms_config *config, const char *tag) {
    char id[128];
    hwsms_poller *p = NULL;
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = NULL;
    struct stopper s;
    pthread_t t;
    double started, took;
    int64_t skew = 12345;
    snprintf(id, sizeof id, "unauthorized-%s", tag);
    CHECK(hwsms_poller_new(config, id, &p) == HWSMS_OK);
    CHECK(hwsms_poller_set_interval_ms(p, 20) == HWSMS_OK);
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_ERR_API);
    CHECK(cmd == SENTINEL);
    CHECK(hwsms_error_status(err) == 401);
    CHECK(streq(hwsms_error_code(err), "APIGW.0301"));
    CHECK(hwsms_error_attempts(err) == 1);
    CHECK(hwsms_error_retry_after_ms(err) == -1);
    CHECK(hwsms_error_transport_kind(err) == HWSMS_TRANSPORT_NONE);
    CHECK(!hwsms_error_clock_skew_secs(err, &skew) && skew == 12345);
    CHECK(!hwsms_error_is_retryable(err));
    hwsms_error_free(err);
    err = NULL;

    /* The next call waits out the 5-minute auth pause: stop it meanwhile. */
    s.poller = p;
    s.after_ms = 300;
    CHECK(pthread_create(&t, NULL, stop_later, &s) == 0);
    started = now_s();
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_STOPPED);
    took = now_s() - started;
    pthread_join(t, NULL);
    CHECK(cmd == SENTINEL && err == NULL);
    CHECK(took >= 0.25 && took < 5.0);
    /* Stopped stays stopped; stopping twice and NULL are fine. */
    hwsms_poller_stop(p);
    hwsms_poller_stop(NULL);
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_STOPPED);
    CHECK(hwsms_poller_next(NULL, &cmd, &err) == HWSMS_ERR_NULL_ARGUMENT);
    hwsms_poller_free(p);
    hwsms_poller_free(NULL);
}

/* A stop while a request is in flight wins over the command it brings. */
static void test_stop_during_a_request(hwsms_config *config, const char *tag) {
    char id[128];
    hwsms_poller *p = NULL;
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = NULL;
    struct stopper s;
    pthread_t t;
    snprintf(id, sizeof id, "slow-%s", tag);
    CHECK(hwsms_poller_new(config, id, &p) == HWSMS_OK);
    s.poller = p;
    s.after_ms = 200;
    CHECK(pthread_create(&t, NULL, stop_later, &s) == 0);
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_STOPPED);
    pthread_join(t, NULL);
    CHECK(cmd == SENTINEL && err == NULL);
    hwsms_poller_free(p);
}

struct rescheduler {
    hwsms_poller *poller;
    hwsms_result interval, cap, pause, too_long;
};

/* Changes the schedule while hwsms_poller_next waits, then stops it: the
   setters must not wait for next to return (which only the stop ends). */
static void *reschedule_then_stop(void *arg) {
    struct rescheduler *r = arg;
    sleep_ms(200);
    r->interval = hwsms_poller_set_interval_ms(r->poller, 40);
    r->cap = hwsms_poller_set_backoff_cap_ms(r->poller, 400);
    r->pause = hwsms_poller_set_auth_pause_ms(r->poller, 1000);
    r->too_long = hwsms_poller_set_auth_pause_ms(r->poller, 4000000000u);
    hwsms_poller_stop(r->poller);
    return NULL;
}

static void test_schedule_changes_while_next_waits(hwsms_config *config, const char *tag) {
    char id[128];
    hwsms_poller *p = NULL;
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = NULL;
    struct rescheduler r;
    pthread_t t;
    snprintf(id, sizeof id, "nothing-%s", tag);
    CHECK(hwsms_poller_new(config, id, &p) == HWSMS_OK);
    r.poller = p;
    CHECK(pthread_create(&t, NULL, reschedule_then_stop, &r) == 0);
    /* "nothing-" ids are plain ids: START. After it, the 15 s wait runs. */
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_OK);
    hwsms_command_free(cmd);
    cmd = SENTINEL;
    CHECK(hwsms_poller_next(p, &cmd, &err) == HWSMS_STOPPED);
    pthread_join(t, NULL);
    CHECK(r.interval == HWSMS_OK && r.cap == HWSMS_OK && r.pause == HWSMS_OK);
    /* More than a day: refused, as Rust's PollSchedule refuses it. */
    CHECK(r.too_long == HWSMS_ERR_CONFIG);
    /* A cap below the interval: refused, the schedule unchanged. */
    CHECK(hwsms_poller_set_backoff_cap_ms(p, 10) == HWSMS_ERR_CONFIG);
    hwsms_poller_free(p);
}

/* Reports go to this run's own id: after a report the stand-in answers
 * that id "nothing to do", as SMS does. */
static void test_reports(hwsms_config *config, const char *tag) {
    hwsms_error *err = SENTINEL;
    char id[128];
    snprintf(id, sizeof id, "report-%s", tag);
    CHECK(hwsms_report_command_result(config, id, "START", "success", "{\"progress\":100}", &err) == HWSMS_OK);
    CHECK(err == SENTINEL);
    CHECK(hwsms_report_command_result(config, id, "STOP", "fail", NULL, &err) == HWSMS_OK);

    err = NULL;
    CHECK(hwsms_report_command_result(config, id, "START", "done", NULL, &err) == HWSMS_ERR_INVALID_REPORT);
    CHECK(hwsms_error_kind(err) == HWSMS_ERR_INVALID_REPORT);
    CHECK(contains(hwsms_error_message(err), "success"));
    CHECK(hwsms_error_attempts(err) == 0);
    hwsms_error_free(err);
    err = NULL;
    CHECK(hwsms_report_command_result(config, id, "START", "success", "[1]", &err) == HWSMS_ERR_INVALID_REPORT);
    CHECK(contains(hwsms_error_message(err), "JSON object"));
    hwsms_error_free(err);
    err = NULL;
    CHECK(hwsms_report_command_result(config, id, "", "success", NULL, &err) == HWSMS_ERR_INVALID_REPORT);
    hwsms_error_free(err);
    CHECK(hwsms_report_command_result(config, id, "START", NULL, NULL, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_report_command_result(config, "bad/id", "START", "success", NULL, NULL) == HWSMS_ERR_INVALID_SERVER_ID);
    CHECK(hwsms_report_command_result(config, id, "START", "success", "\xff", NULL) == HWSMS_ERR_INVALID_UTF8);
}

/* The agent's other calls: the generic call (2xx, API error, refused
 * before I/O), progress, and the cert/key set. */
static void test_agent_calls(hwsms_config *config) {
    hwsms_response *resp = NULL;
    hwsms_error *err = NULL;
    hwsms_cert_key *keys = NULL;
    size_t len = 0;
    const char *body;
    const char *reg = "{\"name\":\"c-agent\",\"os_type\":\"LINUX\",\"os_version\":\"x\","
                      "\"agent_version\":\"1\",\"ip\":\"10.0.0.1\",\"networks\":[{\"mac\":\"fa:16:3e:00:00:01\"}]}";

    CHECK(hwsms_call(config, "GET", "/v3/config", NULL, &resp, &err) == HWSMS_OK);
    CHECK(hwsms_response_status(resp) == 200);
    body = hwsms_response_body(resp, &len);
    CHECK(contains(body, "\"main_region\":\"ap-southeast-3\""));
    CHECK(len == strlen(body));
    CHECK(streq(hwsms_response_request_id(resp), "req-0123456789abcdef"));
    hwsms_response_free(resp);
    resp = NULL;

    CHECK(hwsms_call(config, "post", "/v3/sources", reg, &resp, &err) == HWSMS_OK);
    CHECK(contains(hwsms_response_body(resp, NULL), "5c1e6d2a-8f3b-4c7d-9e0a-1b2c3d4e5f60"));
    hwsms_response_free(resp);

    resp = SENTINEL;
    CHECK(hwsms_call(config, "GET", "/v3/tasks/missing-task/passphrase", NULL, &resp, &err) == HWSMS_ERR_API);
    CHECK(resp == SENTINEL);
    CHECK(hwsms_error_status(err) == 404);
    CHECK(streq(hwsms_error_code(err), "SMS.1204"));
    hwsms_error_free(err);
    err = NULL;
    CHECK(hwsms_call(config, "GET", "/v2/sources", NULL, &resp, &err) == HWSMS_ERR_INVALID_REQUEST);
    CHECK(contains(hwsms_error_message(err), "/v3/"));
    CHECK(hwsms_error_attempts(err) == 0);
    hwsms_error_free(err);
    err = NULL;
    CHECK(hwsms_call(config, "POST", "/v3/sources", "{not json", &resp, &err) == HWSMS_ERR_INVALID_REQUEST);
    hwsms_error_free(err);
    err = NULL;
    CHECK(hwsms_call(config, "GET", NULL, NULL, &resp, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_call(config, "GET", "/v3/config", NULL, NULL, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_response_status(NULL) == 0 && hwsms_response_body(NULL, &len) == NULL);
    hwsms_response_free(NULL);

    CHECK(hwsms_report_progress(config, "task-c-1", "MIGRATE_LINUX_BLOCK", 42, 42, 100, "copying", &err) == HWSMS_OK);
    CHECK(hwsms_report_progress(config, "task-c-1", "CLONE_VM", 100, 1, 1, NULL, &err) == HWSMS_OK);
    CHECK(hwsms_report_progress(config, "task-c-1", "CLONE_VM", 101, 1, 1, NULL, &err) == HWSMS_ERR_INVALID_REQUEST);
    CHECK(contains(hwsms_error_message(err), "0 to 100"));
    hwsms_error_free(err);
    err = NULL;
    CHECK(hwsms_report_progress(config, "../x", "CLONE_VM", 1, 1, 1, NULL, &err) == HWSMS_ERR_INVALID_REQUEST);
    hwsms_error_free(err);
    err = NULL;

    CHECK(hwsms_fetch_cert_key(config, "task-c-1", true, &keys, &err) == HWSMS_OK);
    CHECK(contains(hwsms_cert_key_get(keys, HWSMS_CERT_KEY_PRIVATE_KEY), "-----BEGIN PRIVATE KEY-----\n"));
    CHECK(contains(hwsms_cert_key_get(keys, HWSMS_CERT_KEY_TARGET_DATA_PRIVATE_KEY), "PRIVATE KEY"));
    CHECK(contains(hwsms_cert_key_get(keys, HWSMS_CERT_KEY_CA), "BEGIN CERTIFICATE"));
    CHECK(hwsms_cert_key_get(keys, 7) == NULL);
    hwsms_cert_key_free(keys);
    keys = NULL;
    CHECK(hwsms_fetch_cert_key(config, "task-c-1", false, &keys, &err) == HWSMS_OK);
    CHECK(streq(hwsms_cert_key_get(keys, HWSMS_CERT_KEY_CA), ""));
    hwsms_cert_key_free(keys);
    keys = SENTINEL;
    CHECK(hwsms_fetch_cert_key(config, "missing-task", false, &keys, &err) == HWSMS_ERR_API);
    CHECK(keys == SENTINEL);
    hwsms_error_free(err);
    hwsms_cert_key_free(NULL);
    CHECK(hwsms_cert_key_get(NULL, 0) == NULL);
}

static void test_result_names(void) {
    CHECK(streq(hwsms_result_name(HWSMS_OK), "HWSMS_OK"));
    CHECK(streq(hwsms_result_name(HWSMS_ERR_NULL_ARGUMENT), "HWSMS_ERR_NULL_ARGUMENT"));
    CHECK(streq(hwsms_result_name(HWSMS_ERR_INVALID_UTF8), "HWSMS_ERR_INVALID_UTF8"));
    CHECK(streq(hwsms_result_name(HWSMS_ERR_PANIC), "HWSMS_ERR_PANIC"));
    CHECK(streq(hwsms_result_name(HWSMS_STOPPED), "HWSMS_STOPPED"));
    CHECK(streq(hwsms_result_name(HWSMS_ERR_INVALID_REPORT), "HWSMS_ERR_INVALID_REPORT"));
    CHECK(streq(hwsms_result_name(HWSMS_ERR_CREDENTIALS), "HWSMS_ERR_CREDENTIALS"));
    CHECK(streq(hwsms_result_name(HWSMS_ERR_INVALID_REQUEST), "HWSMS_ERR_INVALID_REQUEST"));
    CHECK(streq(hwsms_result_name(999), "HWSMS_UNKNOWN_RESULT"));
}

static void test_transport_kind(void) {
    hwsms_config_builder *b = NULL;
    hwsms_config *c = NULL;
    hwsms_command *cmd = NULL;
    hwsms_error *err = NULL;
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, "http://127.0.0.1:9") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_token(b, "t") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_max_attempts(b, 1) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &err) == HWSMS_OK);
    hwsms_config_builder_free(b);
    CHECK(hwsms_fetch_command(c, ID, &cmd, &err) == HWSMS_ERR_TRANSPORT);
    CHECK(hwsms_error_transport_kind(err) == HWSMS_TRANSPORT_CONNECT);
    CHECK(hwsms_error_attempts(err) == 1);
    CHECK(contains(hwsms_error_message(err), "refused the connection"));
    hwsms_error_free(err);
    hwsms_config_free(c);
}

static void test_credentials_from_env(const char *url, const char *ca) {
    hwsms_config_builder *b = NULL;
    hwsms_config *c = NULL;
    hwsms_command *cmd = NULL;
    hwsms_error *err = NULL;

    /* An AK without its SK: an error naming the missing variable. */
    setenv("HUAWEICLOUD_SDK_AK", "AKONLY", 1);
    unsetenv("HUAWEICLOUD_SDK_SK");
    unsetenv("CLOUD_SDK_AK");
    unsetenv("CLOUD_SDK_SK");
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, url) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_ca_file(b, ca) == HWSMS_OK);
    CHECK(hwsms_config_builder_credentials_from_env(b) == HWSMS_ERR_CONFIG);
    CHECK(hwsms_config_builder_build(b, &c, &err) == HWSMS_ERR_CONFIG);
    CHECK(contains(hwsms_error_message(err), "HUAWEICLOUD_SDK_SK"));
    hwsms_error_free(err);
    err = NULL;

    /* AK/SK win over the token that is also set: the stand-in only accepts
       the token, so the signed request is refused with 401. */
    setenv("HUAWEICLOUD_SDK_SK", "some-secret-key", 1);
    CHECK(hwsms_config_builder_credentials_from_env(b) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &err) == HWSMS_OK);
    CHECK(hwsms_fetch_command(c, ID, &cmd, &err) == HWSMS_ERR_API);
    CHECK(hwsms_error_status(err) == 401);
    hwsms_error_free(err);
    hwsms_config_free(c);
    hwsms_config_builder_free(b);
    unsetenv("HUAWEICLOUD_SDK_AK");
    unsetenv("HUAWEICLOUD_SDK_SK");
}

/* The application's credentials: a callback that hands out the stand-in's
   token, said to expire 3 seconds later, so hwsms asks again about every
   1.5 seconds while a poller keeps polling. */
struct token_broker {
    const char *token;
    int calls;
    int freed;
    int fail;
};

static int hand_out_token(void *user_data, hwsms_lease *lease) {
    struct token_broker *broker = user_data;
    broker->calls++;
    if (broker->fail) {
        CHECK(hwsms_lease_set_error(lease, "the broker is sealed") == HWSMS_OK);
        return 1;
    }
    CHECK(hwsms_lease_set_token(lease, broker->token) == HWSMS_OK);
    CHECK(hwsms_lease_set_expires_at(lease, (int64_t)time(NULL) + 3) == HWSMS_OK);
    CHECK(hwsms_lease_set_token(NULL, broker->token) == HWSMS_ERR_NULL_ARGUMENT);
    return 0;
}

static void free_broker(void *user_data) {
    struct token_broker *broker = user_data;
    broker->freed++;
}

static void test_credentials_callback(const char *url, const char *ca, const char *token) {
    struct token_broker broker = {0};
    hwsms_config_builder *b = NULL;
    hwsms_config *c = NULL;
    hwsms_poller *p = NULL;
    hwsms_command *cmd = NULL;
    hwsms_error *err = NULL;
    int commands = 0, failures_seen = 0;
    double start;
    broker.token = token;
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, url) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_ca_file(b, ca) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_credentials_callback(b, NULL, &broker, free_broker) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_set_credentials_callback(b, hand_out_token, &broker, free_broker) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &err) == HWSMS_OK);
    hwsms_config_builder_free(b);
    CHECK(broker.calls == 0 && broker.freed == 0);
    CHECK(hwsms_poller_new(c, ID, &p) == HWSMS_OK);
    CHECK(hwsms_poller_set_interval_ms(p, 100) == HWSMS_OK);
    start = now_s();
    while (now_s() - start < 5.0) {
        if (hwsms_poller_next(p, &cmd, &err) == HWSMS_OK) {
            commands++;
            hwsms_command_free(cmd);
        } else {
            failures_seen++;
            hwsms_error_free(err);
        }
        cmd = NULL;
        err = NULL;
    }
    CHECK(failures_seen == 0);
    CHECK(commands >= 20);
    /* Renewed when half of the 3 s is left: about every 1.5 s, so 3 to 5 calls. */
    CHECK(broker.calls >= 2 && broker.calls <= 7);
    hwsms_poller_free(p);
    /* The broker fails from now on: the current token serves until it expires. */
    broker.fail = 1;
    CHECK(hwsms_fetch_command(c, ID, &cmd, &err) == HWSMS_OK);
    hwsms_command_free(cmd);
    hwsms_config_free(c);
    CHECK(broker.freed == 1);

    /* A callback that fails at once: HWSMS_ERR_CREDENTIALS with its words. */
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, url) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_credentials_callback(b, hand_out_token, &broker, NULL) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &err) == HWSMS_OK);
    hwsms_config_builder_free(b);
    cmd = NULL;
    CHECK(hwsms_fetch_command(c, ID, &cmd, &err) == HWSMS_ERR_CREDENTIALS);
    CHECK(cmd == NULL);
    CHECK(hwsms_error_kind(err) == HWSMS_ERR_CREDENTIALS);
    CHECK(contains(hwsms_error_message(err), "the broker is sealed"));
    CHECK(contains(hwsms_error_message(err), "credentials callback"));
    hwsms_error_free(err);
    hwsms_config_free(c);
    CHECK(broker.freed == 1);
}

/* A credentials file, replaced by a rotator between two calls. */
static void test_credentials_file(const char *url, const char *ca, const char *token, const char *tag) {
    char dir[256], path[300], next[310];
    FILE *f;
    hwsms_config_builder *b = NULL;
    hwsms_config *c = NULL;
    hwsms_command *cmd = NULL;
    hwsms_error *err = NULL;
    snprintf(dir, sizeof dir, "/tmp/hwsms-c-credentials-%s-%ld", tag, (long)getpid());
    snprintf(path, sizeof path, "%s/credentials", dir);
    snprintf(next, sizeof next, "%s/credentials.new", dir);
    CHECK(mkdir(dir, 0700) == 0);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "[basic]\nauth_token = not-the-token\n");
    fclose(f);
    CHECK(chmod(path, 0600) == 0);
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, url) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_ca_file(b, ca) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_max_attempts(b, 1) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_credentials_file(b, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_set_credentials_file(b, path) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &err) == HWSMS_OK);
    hwsms_config_builder_free(b);
    CHECK(hwsms_fetch_command(c, ID, &cmd, &err) == HWSMS_ERR_API);
    CHECK(hwsms_error_status(err) == 401);
    hwsms_error_free(err);
    err = NULL;
    f = fopen(next, "w");
    CHECK(f != NULL);
    fprintf(f, "[basic]\nauth_token = %s\n", token);
    fclose(f);
    CHECK(chmod(next, 0600) == 0);
    CHECK(rename(next, path) == 0);
    CHECK(hwsms_fetch_command(c, ID, &cmd, &err) == HWSMS_OK);
    CHECK(hwsms_command_kind(cmd) == HWSMS_COMMAND_START);
    hwsms_command_free(cmd);
    hwsms_config_free(c);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
}

static void test_diagnose(hwsms_config *config) {
    char *json = SENTINEL;
    hwsms_error *err = NULL;
    CHECK(hwsms_diagnose_json(config, ID, &json, &err) == HWSMS_OK);
    CHECK(json != SENTINEL && err == NULL);
    CHECK(contains(json, "{\"ok\":true,\"clock_skew_secs\":"));
    CHECK(contains(json, "\"name\":\"command\",\"status\":\"pass\""));
    hwsms_string_free(json);
    json = NULL;
    CHECK(hwsms_diagnose_json(config, NULL, &json, &err) == HWSMS_OK);
    CHECK(contains(json, "\"name\":\"command\",\"status\":\"skip\""));
    hwsms_string_free(json);
    json = NULL;
    CHECK(hwsms_diagnose_json(config, "bad/id", &json, &err) == HWSMS_OK);
    CHECK(contains(json, "{\"ok\":false"));
    hwsms_string_free(json);
    CHECK(hwsms_diagnose_json(NULL, ID, &json, &err) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_diagnose_json(config, ID, NULL, &err) == HWSMS_ERR_NULL_ARGUMENT);
    hwsms_string_free(NULL);
}

int main(int argc, char **argv) {
    hwsms_config *config;
    if (argc != 5) {
        fprintf(stderr, "usage: test_channel URL CA_FILE TOKEN TAG\n");
        return 2;
    }
    test_result_names();
    test_clones_outlive_the_original(argv[1], argv[2], argv[3]);
    config = make_config(argv[1], argv[2], argv[3]);
    test_poller_swallows_nothing_to_do(config, argv[4]);
    test_401_then_stop_during_the_auth_pause(config, argv[4]);
    test_stop_during_a_request(config, argv[4]);
    test_schedule_changes_while_next_waits(config, argv[4]);
    test_reports(config, argv[4]);
    test_agent_calls(config);
    test_diagnose(config);
    hwsms_config_free(config);
    test_transport_kind();
    test_credentials_from_env(argv[1], argv[2]);
    test_credentials_callback(argv[1], argv[2], argv[3]);
    test_credentials_file(argv[1], argv[2], argv[3], argv[4]);
    if (failures != 0) {
        fprintf(stderr, "%d C channel check(s) failed\n", failures);
        return 1;
    }
    printf("all C channel checks passed\n");
    return 0;
}
