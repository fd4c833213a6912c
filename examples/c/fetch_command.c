/*
 * fetch_command in C: the same command-line contract as
 * examples/fetch_command.rs (README, "Command line"), written against
 * ffi/include/hwsms.h.
 *
 *   fetch_command [--endpoint URL | --region ID] --server-id ID
 *                 [--ca-file PEM | --system-roots] [--timeout-ms N]
 *                 [--proxy URL | --proxy-from-env] [--retries N]
 *                 [--wait [--interval-ms N] | --diagnose]
 *
 * Settings come from the environment first (hwsms_config_builder_from_env:
 * HWSMS_ENDPOINT, HUAWEICLOUD_SDK_REGION, HWSMS_CA_FILE, the credentials,
 * ...), and flags override them, as with the hwsms program.
 *
 * --diagnose prints the diagnosis as one JSON line and exits 0 when no step
 * failed, 1 when one did (the hwsms program adds the checklist on stderr).
 *
 * --wait polls with hwsms_poller until a command arrives; SIGTERM/SIGINT
 * stop it (hwsms_poller_stop is async-signal-safe) and exit 143/130 with
 * nothing on stdout.
 *
 * Credentials come from the environment as for the library (AK/SK, the
 * credentials file, the OS_* password, metadata, a token). Exit codes: 0 success
 * (one JSON line on stdout), 3 API error (last stderr line is JSON),
 * 2 usage/configuration/invalid input, 1 anything else.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwsms.h"

static const char *USAGE =
    "usage: fetch_command [--endpoint URL | --region ID] --server-id ID "
    "[--ca-file PEM | --system-roots] [--timeout-ms N] "
    "[--proxy URL | --proxy-from-env] [--retries N] [--wait [--interval-ms N] | --diagnose]";

static const char *HELP =
    "Asks Huawei Cloud SMS for the next command for a source server and prints it\n"
    "as one JSON line: {\"command_name\":...,\"task_id\":...,\"bucket\":...}.\n"
    "\n"
    "  --server-id ID      the source server's id (optional with --diagnose)\n"
    "  --wait              poll until a command arrives (SIGTERM/SIGINT: exit 143/130)\n"
    "  --interval-ms N     poll interval with --wait (default 15000)\n"
    "  --diagnose          check the path to SMS instead; one JSON line\n"
    "  --endpoint URL, --region ID, --ca-file PEM, --system-roots, --timeout-ms N,\n"
    "  --proxy URL, --proxy-from-env, --retries N: as for `hwsms fetch`\n"
    "\n"
    "Settings and credentials come from the environment (HWSMS_ENDPOINT,\n"
    "HUAWEICLOUD_SDK_REGION, HWSMS_CA_FILE, HUAWEICLOUD_SDK_AK/_SK, ...); flags win.\n"
    "Exit codes: 0 success; 1 network, TLS, timeout; 2 usage or configuration;\n"
    "3 API error (the last stderr line is JSON).\n";

/* The poller a signal stops, and which signal did. */
static hwsms_poller *volatile waiting_poller = NULL;
static volatile sig_atomic_t caught_signal = 0;

static void on_signal(int sig) {
    caught_signal = sig;
    hwsms_poller_stop(waiting_poller);
}

/* Writes s as a JSON string (or null) to f. */
static void json_string(FILE *f, const char *s) {
    const unsigned char *p;
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) {
                fprintf(f, "\\u%04x", *p);
            } else {
                fputc(*p, f);
            }
        }
    }
    fputc('"', f);
}

static int usage(const char *msg) {
    if (msg != NULL) {
        fprintf(stderr, "error: %s\n", msg);
    }
    fprintf(stderr, "%s\n", USAGE);
    return 2;
}

/* Parses a decimal number into *out; 0 on success. */
static int parse_u64(const char *s, unsigned long long *out) {
    char *end = NULL;
    if (s == NULL || *s == '\0' || *s == '-') {
        return -1;
    }
    errno = 0;
    *out = strtoull(s, &end, 10);
    return (errno != 0 || end == NULL || *end != '\0') ? -1 : 0;
}

/* Exit code for a failure kind, per the contract. */
static int exit_code(hwsms_result kind) {
    switch (kind) {
    case HWSMS_ERR_API:
    case HWSMS_ERR_REDIRECT:
        return 3;
    case HWSMS_ERR_CONFIG:
    case HWSMS_ERR_INVALID_SERVER_ID:
    case HWSMS_ERR_NULL_ARGUMENT:
    case HWSMS_ERR_INVALID_UTF8:
        return 2;
    default:
        return 1;
    }
}

/* Reports a failure: a message for people, then JSON for API errors. */
static int report(hwsms_result kind, const hwsms_error *err) {
    int code = exit_code(kind);
    const char *message = hwsms_error_message(err);
    fprintf(stderr, "error: %s\n", message != NULL ? message : "unknown failure");
    if (code == 3) {
        const char *msg = hwsms_error_api_message(err);
        fprintf(stderr, "{\"status\":%u,\"error_code\":", (unsigned)hwsms_error_status(err));
        json_string(stderr, hwsms_error_code(err));
        fputs(",\"error_msg\":", stderr);
        json_string(stderr, msg != NULL ? msg : message);
        fputs(",\"request_id\":", stderr);
        json_string(stderr, hwsms_error_request_id(err));
        fputs("}\n", stderr);
    }
    return code;
}

int main(int argc, char **argv) {
    const char *endpoint = NULL, *region = NULL, *server_id = NULL;
    const char *ca_file = NULL, *proxy = NULL;
    int system_roots = 0, proxy_from_env = 0;
    unsigned long long timeout_ms = 0, retries = 0, interval_ms = 0;
    int have_timeout = 0, have_retries = 0, wait = 0, diagnose = 0;
    hwsms_config_builder *builder = NULL;
    hwsms_config *config = NULL;
    hwsms_command *command = NULL;
    hwsms_error *err = NULL;
    hwsms_result r;
    int i, code;

    for (i = 1; i < argc; i++) {
        const char *flag = argv[i];
        const char *value = (i + 1 < argc) ? argv[i + 1] : NULL;
        int takes_value = 1;
        if (strcmp(flag, "-h") == 0 || strcmp(flag, "--help") == 0) {
            printf("%s\n\n%s", USAGE, HELP);
            return 0;
        } else if (strcmp(flag, "--diagnose") == 0) {
            diagnose = 1;
            takes_value = 0;
        } else if (strcmp(flag, "--system-roots") == 0) {
            system_roots = 1;
            takes_value = 0;
        } else if (strcmp(flag, "--proxy-from-env") == 0) {
            proxy_from_env = 1;
            takes_value = 0;
        } else if (strcmp(flag, "--wait") == 0) {
            wait = 1;
            takes_value = 0;
        } else if (value == NULL) {
            return usage(strncmp(flag, "--", 2) == 0 ? "a flag needs a value" : "unknown argument");
        } else if (strcmp(flag, "--endpoint") == 0) {
            endpoint = value;
        } else if (strcmp(flag, "--region") == 0) {
            region = value;
        } else if (strcmp(flag, "--server-id") == 0) {
            server_id = value;
        } else if (strcmp(flag, "--ca-file") == 0) {
            ca_file = value;
        } else if (strcmp(flag, "--proxy") == 0) {
            proxy = value;
        } else if (strcmp(flag, "--timeout-ms") == 0) {
            if (parse_u64(value, &timeout_ms) != 0 || timeout_ms == 0) {
                return usage("--timeout-ms needs a positive integer");
            }
            have_timeout = 1;
        } else if (strcmp(flag, "--retries") == 0) {
            if (parse_u64(value, &retries) != 0 || retries > 9) {
                return usage("--retries needs an integer from 0 to 9");
            }
            have_retries = 1;
        } else if (strcmp(flag, "--interval-ms") == 0) {
            if (parse_u64(value, &interval_ms) != 0 || interval_ms == 0 || interval_ms > 86400000ULL) {
                return usage("--interval-ms needs an integer from 1 to 86400000");
            }
        } else {
            return usage("unknown argument");
        }
        i += takes_value;
    }
    if (endpoint != NULL && region != NULL) {
        return usage("give --endpoint or --region, not both");
    }
    if (server_id == NULL && !diagnose) {
        return usage("--server-id is required");
    }
    if (diagnose && wait) {
        return usage("--diagnose and --wait do not go together");
    }
    if (interval_ms != 0 && !wait) {
        return usage("--interval-ms goes with --wait");
    }
    if (getenv("HUAWEICLOUD_SDK_AK") != NULL && getenv("HUAWEICLOUD_SDK_AUTH_TOKEN") != NULL) {
        fputs("note: both AK/SK and HUAWEICLOUD_SDK_AUTH_TOKEN are set; using AK/SK "
              "(signatures are fresh per request, tokens expire)\n", stderr);
    }

    r = hwsms_config_builder_new(&builder);
    /* The environment first, as the library and the hwsms program read it.
       A failure here (an empty HWSMS_CA_FILE, AK without SK) is reported,
       with its reason, by hwsms_config_builder_build below. */
    if (r == HWSMS_OK) (void)hwsms_config_builder_from_env(builder);
    if (r == HWSMS_OK && endpoint != NULL) r = hwsms_config_builder_set_endpoint(builder, endpoint);
    if (r == HWSMS_OK && region != NULL) r = hwsms_config_builder_set_region(builder, region);
    if (r == HWSMS_OK && ca_file != NULL) r = hwsms_config_builder_set_ca_file(builder, ca_file);
    if (r == HWSMS_OK && system_roots) r = hwsms_config_builder_use_system_roots(builder);
    if (r == HWSMS_OK && proxy != NULL) r = hwsms_config_builder_set_proxy(builder, proxy);
    if (r == HWSMS_OK && proxy_from_env) r = hwsms_config_builder_use_proxy_from_env(builder);
    if (r == HWSMS_OK && have_timeout) {
        r = hwsms_config_builder_set_timeout_ms(builder, (uint64_t)timeout_ms);
        if (r == HWSMS_OK) {
            r = hwsms_config_builder_set_connect_timeout_ms(builder, timeout_ms < 10000 ? (uint64_t)timeout_ms : 10000);
        }
    }
    if (r == HWSMS_OK && have_retries) r = hwsms_config_builder_set_max_attempts(builder, (uint32_t)retries + 1);
    if (r != HWSMS_OK) {
        hwsms_config_builder_free(builder);
        fprintf(stderr, "error: invalid argument (%s)\n", hwsms_result_name(r));
        return 2;
    }
    r = hwsms_config_builder_build(builder, &config, &err);
    hwsms_config_builder_free(builder);
    if (r != HWSMS_OK) {
        code = report(r, err);
        hwsms_error_free(err);
        return code == 3 ? 1 : code;
    }

    if (diagnose) {
        char *json = NULL;
        r = hwsms_diagnose_json(config, server_id, &json, &err);
        hwsms_config_free(config);
        if (r != HWSMS_OK) {
            code = report(r, err);
            hwsms_error_free(err);
            return code;
        }
        printf("%s\n", json);
        code = strstr(json, "\"ok\":true") != NULL ? 0 : 1;
        hwsms_string_free(json);
        return code;
    }
    if (wait) {
        hwsms_poller *poller = NULL;
        r = hwsms_poller_new(config, server_id, &poller);
        if (r == HWSMS_ERR_INVALID_SERVER_ID) {
            hwsms_config_free(config);
            return usage("invalid server id");
        }
        if (r == HWSMS_OK && interval_ms != 0) {
            r = hwsms_poller_set_interval_ms(poller, (uint32_t)interval_ms);
        }
        if (r != HWSMS_OK) {
            fprintf(stderr, "error: %s\n", hwsms_result_name(r));
            hwsms_poller_free(poller);
            hwsms_config_free(config);
            return 1;
        }
        waiting_poller = poller;
        /* signal(), not sigaction(): this example also builds for Windows. */
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        r = hwsms_poller_next(poller, &command, &err);
        waiting_poller = NULL;
        hwsms_poller_free(poller);
        if (r == HWSMS_STOPPED) {
            hwsms_config_free(config);
            return 128 + (int)caught_signal;
        }
    } else {
        r = hwsms_fetch_command(config, server_id, &command, &err);
    }
    if (r != HWSMS_OK) {
        code = report(r, err);
        hwsms_error_free(err);
        hwsms_config_free(config);
        return code;
    }
    fputs("{\"command_name\":", stdout);
    json_string(stdout, hwsms_command_name(command));
    fputs(",\"task_id\":", stdout);
    json_string(stdout, hwsms_command_task_id(command));
    fputs(",\"bucket\":", stdout);
    json_string(stdout, hwsms_command_bucket(command));
    fputs("}\n", stdout);
    hwsms_command_free(command);
    hwsms_config_free(config);
    return 0;
}
