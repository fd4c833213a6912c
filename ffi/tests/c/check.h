/*
 * What the C test programs share: a CHECK that counts failures instead of
 * stopping at the first, string helpers, and a sentinel for outputs that
 * must stay untouched on failure.
 */
#ifndef HWSMS_TEST_CHECK_H
#define HWSMS_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* A value no real handle has: outputs must keep it after a failure. */
#define SENTINEL ((void *)0x1)

static const char *ID = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

static int streq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

#endif
