/*
 * C tests of the hwsms C API, run by ffi/tests/c_api.rs against a local
 * HTTPS SMS stand-in (and under valgrind when available).
 *
 *   test_api URL CA_FILE TOKEN
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwsms.h"
#include "check.h"

static hwsms_config *make_config(const char *url, const char *ca, const char *token) {
    hwsms_config_builder *b = NULL;
    hwsms_config *c = NULL;
    hwsms_error *e = NULL;
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, url) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_ca_file(b, ca) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_token(b, token) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_timeout_ms(b, 20000) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &e) == HWSMS_OK);
    CHECK(c != NULL && e == NULL);
    hwsms_config_builder_free(b);
    return c;
}

static void test_version_and_free_null(void) {
    CHECK(streq(hwsms_version(), HWSMS_VERSION));
    hwsms_config_builder_free(NULL);
    hwsms_config_free(NULL);
    hwsms_command_free(NULL);
    hwsms_error_free(NULL);
}

static void test_null_arguments(hwsms_config *config) {
    hwsms_config_builder *b = NULL;
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = SENTINEL;
    hwsms_config *out = SENTINEL;

    CHECK(hwsms_config_builder_new(NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_set_endpoint(NULL, "https://x") == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_set_timeout_ms(NULL, 5) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_build(NULL, &out, &err) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL && err == SENTINEL);
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_set_ak_sk(b, "ak", NULL) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_config_builder_build(b, NULL, NULL) == HWSMS_ERR_NULL_ARGUMENT);
    hwsms_config_builder_free(b);

    CHECK(hwsms_fetch_command(NULL, ID, &cmd, &err) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_fetch_command(config, NULL, &cmd, &err) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(hwsms_fetch_command(config, ID, NULL, &err) == HWSMS_ERR_NULL_ARGUMENT);
    CHECK(cmd == SENTINEL && err == SENTINEL);

    CHECK(hwsms_command_name(NULL) == NULL);
    CHECK(hwsms_command_task_id(NULL) == NULL);
    CHECK(hwsms_error_message(NULL) == NULL);
    CHECK(hwsms_error_code(NULL) == NULL);
    CHECK(hwsms_error_status(NULL) == 0);
    CHECK(hwsms_error_is_retryable(NULL) == false);
    CHECK(hwsms_error_kind(NULL) == HWSMS_ERR_NULL_ARGUMENT);
}

static void test_invalid_utf8(hwsms_config *config) {
    hwsms_config_builder *b = NULL;
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = SENTINEL;
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, "https://\xff\xfe") == HWSMS_ERR_INVALID_UTF8);
    CHECK(hwsms_config_builder_set_token(b, "\xc3\x28") == HWSMS_ERR_INVALID_UTF8);
    hwsms_config_builder_free(b);
    CHECK(hwsms_fetch_command(config, "abc\xc3\x28", &cmd, &err) == HWSMS_ERR_INVALID_UTF8);
    CHECK(cmd == SENTINEL && err == SENTINEL);
}

static void test_values_out_of_range(void);

static void test_config_error(void) {
    hwsms_config_builder *b = NULL;
    hwsms_config *c = SENTINEL;
    hwsms_error *e = NULL;
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, "http://10.1.2.3") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_token(b, "t") == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &e) == HWSMS_ERR_CONFIG);
    CHECK(c == SENTINEL);
    CHECK(e != NULL && hwsms_error_kind(e) == HWSMS_ERR_CONFIG);
    CHECK(hwsms_error_message(e) != NULL && strstr(hwsms_error_message(e), "loopback") != NULL);
    hwsms_error_free(e);
    /* Without a place for the error, the code alone comes back. */
    CHECK(hwsms_config_builder_build(b, &c, NULL) == HWSMS_ERR_CONFIG);
    hwsms_config_builder_free(b);
    /* Nothing set at all: say what is missing. */
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &e) == HWSMS_ERR_CONFIG);
    CHECK(e != NULL && strstr(hwsms_error_message(e), "endpoint or a region") != NULL);
    hwsms_error_free(e);
    e = NULL;
    CHECK(hwsms_config_builder_set_region(b, "cn-north-4") == HWSMS_OK);
    CHECK(hwsms_config_builder_build(b, &c, &e) == HWSMS_ERR_CONFIG);
    CHECK(e != NULL && strstr(hwsms_error_message(e), "no credentials") != NULL);
    hwsms_error_free(e);
    CHECK(c == SENTINEL);
    hwsms_config_builder_free(b);
    test_values_out_of_range();
}

/* Builds a config that should fail; returns whether its message holds `words`. */
static int fails_with(hwsms_config_builder *b, const char *words) {
    hwsms_config *c = SENTINEL;
    hwsms_error *e = NULL;
    int ok = hwsms_config_builder_build(b, &c, &e) == HWSMS_ERR_CONFIG && c == SENTINEL &&
             e != NULL && strstr(hwsms_error_message(e), words) != NULL;
    if (!ok && e != NULL) fprintf(stderr, "got: %s\n", hwsms_error_message(e));
    hwsms_error_free(e);
    return ok;
}

/* Sizes and durations out of range are refused when building, naming the
   setting, as in Rust: never a failure later on every call. */
static void test_values_out_of_range(void) {
    static char token[20001];
    hwsms_config_builder *b = NULL;
    memset(token, 'x', sizeof token - 1);
    CHECK(hwsms_config_builder_new(&b) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_endpoint(b, "https://sms.example.com") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_token(b, token) == HWSMS_OK);
    CHECK(fails_with(b, "the token is 20000 bytes long; at most 16384"));
    CHECK(strstr(hwsms_result_name(HWSMS_ERR_CONFIG), "CONFIG") != NULL);
    CHECK(hwsms_config_builder_set_token(b, "T") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_user_agent(b, token) == HWSMS_OK);
    CHECK(fails_with(b, "the user agent is 20000 bytes long"));
    CHECK(hwsms_config_builder_set_user_agent(b, "agent/1") == HWSMS_OK);
    CHECK(hwsms_config_builder_set_timeout_ms(b, UINT64_MAX) == HWSMS_OK);
    CHECK(fails_with(b, "the timeout"));
    CHECK(hwsms_config_builder_set_timeout_ms(b, 30000) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_connect_timeout_ms(b, 86400001) == HWSMS_OK);
    CHECK(fails_with(b, "the connect timeout"));
    CHECK(hwsms_config_builder_set_connect_timeout_ms(b, 10000) == HWSMS_OK);
    CHECK(hwsms_config_builder_set_body_cap(b, SIZE_MAX) == HWSMS_OK);
    {
        hwsms_config *c = NULL;
        hwsms_error *e = NULL;
        CHECK(hwsms_config_builder_build(b, &c, &e) == HWSMS_OK && e == NULL);
        hwsms_config_free(c);
    }
    hwsms_config_builder_free(b);
}

static void test_200(hwsms_config *config) {
    hwsms_command *cmd = NULL;
    hwsms_error *err = NULL;
    hwsms_result r = hwsms_fetch_command(config, ID, &cmd, &err);
    if (r != HWSMS_OK) {
        fprintf(stderr, "fetch failed (%d): %s\n", (int)r, hwsms_error_message(err));
        hwsms_error_free(err);
        failures++;
        return;
    }
    CHECK(cmd != NULL && err == NULL);
    CHECK(streq(hwsms_command_name(cmd), "START"));
    CHECK(streq(hwsms_command_task_id(cmd), "xxxxxxxxxxxxxxxxxxxxxxxx00000001"));
    CHECK(hwsms_command_bucket(cmd) == NULL);
    CHECK(streq(hwsms_command_request_id(cmd), "req-0123456789abcdef"));
    hwsms_command_free(cmd);
}

static void test_403(hwsms_config *config) {
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = NULL;
    CHECK(hwsms_fetch_command(config, "no-permission", &cmd, &err) == HWSMS_ERR_API);
    CHECK(cmd == SENTINEL && err != NULL);
    CHECK(hwsms_error_kind(err) == HWSMS_ERR_API);
    CHECK(hwsms_error_status(err) == 403);
    CHECK(streq(hwsms_error_code(err), "SMS.9004"));
    CHECK(hwsms_error_api_message(err) != NULL && strstr(hwsms_error_api_message(err), "permission") != NULL);
    CHECK(streq(hwsms_error_request_id(err), "req-0123456789abcdef"));
    CHECK(!hwsms_error_is_retryable(err));
    CHECK(strstr(hwsms_error_message(err), "403") != NULL);
    hwsms_error_free(err);
}

static void test_bad_server_id(hwsms_config *config) {
    hwsms_command *cmd = SENTINEL;
    hwsms_error *err = NULL;
    CHECK(hwsms_fetch_command(config, "../etc/passwd", &cmd, &err) == HWSMS_ERR_INVALID_SERVER_ID);
    CHECK(cmd == SENTINEL && err != NULL);
    CHECK(hwsms_error_status(err) == 0 && hwsms_error_code(err) == NULL);
    hwsms_error_free(err);
}

static void *fetch_five(void *arg) {
    hwsms_config *config = arg;
    long ok = 0;
    int i;
    for (i = 0; i < 5; i++) {
        hwsms_command *cmd = NULL;
        if (hwsms_fetch_command(config, ID, &cmd, NULL) == HWSMS_OK && streq(hwsms_command_name(cmd), "START")) {
            ok++;
        }
        hwsms_command_free(cmd);
    }
    return (void *)ok;
}

static void test_two_threads(hwsms_config *config) {
    pthread_t a, b;
    void *ra = NULL, *rb = NULL;
    CHECK(pthread_create(&a, NULL, fetch_five, config) == 0);
    CHECK(pthread_create(&b, NULL, fetch_five, config) == 0);
    CHECK(pthread_join(a, &ra) == 0);
    CHECK(pthread_join(b, &rb) == 0);
    CHECK((long)ra == 5 && (long)rb == 5);
}

int main(int argc, char **argv) {
    hwsms_config *config;
    if (argc != 4) {
        fprintf(stderr, "usage: test_api URL CA_FILE TOKEN\n");
        return 2;
    }
    config = make_config(argv[1], argv[2], argv[3]);
    test_version_and_free_null();
    test_null_arguments(config);
    test_invalid_utf8(config);
    test_config_error();
    test_200(config);
    test_403(config);
    test_bad_server_id(config);
    test_two_threads(config);
    hwsms_config_free(config);
    if (failures != 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("all C API checks passed\n");
    return 0;
}
