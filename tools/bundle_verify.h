/*
 * The reference bundle verification (tools/bundle_verify.c), shared by
 * hbverify and the fuzz target tests/fuzz/fuzz_bundle_verify.c.
 */

#ifndef HB_BUNDLE_VERIFY_H
#define HB_BUNDLE_VERIFY_H

#include <stddef.h>

#include <jansson.h>

#define BUNDLE_DOMAIN	"handbook-bundle/1\n"

/* Outcomes of bundle_verify(). */
#define BUNDLE_OK		0
#define BUNDLE_REFUSED		1
#define BUNDLE_NO_MEMORY	2

int	bundle_verify(const char *, size_t, const char *, size_t, json_t **,
	    char *, size_t, const char **);

#endif
