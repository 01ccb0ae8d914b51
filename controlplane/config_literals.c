// SPDX-License-Identifier: GPL-2.0-only
/*
 * A pass over edgelb.conf's text before libconfig reads it
 * (config_priv.h): an integer literal outside int gets an "L" so that
 * libconfig 1.5 keeps it whole, and one beyond 64 bits is reported as
 * written. edgelb_config_widen_integers() below says why.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* Longest literal quoted in full in a message. */
#define EDGELB_CONFIG_LITERAL_SHOWN 40

static bool edgelb_config_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '*' || c == '-';
}

static bool edgelb_config_all_digits(const char *p, const char *end, int base)
{
	if (p == end)
		return false;
	for (; p < end; p++) {
		char c = *p;

		if (!(c >= '0' && c <= '9') &&
		    !(base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))
			return false;
	}
	return true;
}

/* One past a number-like token at p: digits, letters, dots, an exponent's sign. */
static const char *edgelb_config_number_end(const char *p)
{
	const char *q = p + (*p == '+' || *p == '-');
	bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');

	while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
	       *q == '.' || (!hex && (*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E')))
		q++;
	return q;
}

/*
 * Whether the literal [p, end) is an integer that needs an "L" to reach
 * libconfig whole: 1 yes, 0 no (it fits in int, has its "L" already, or is
 * no integer), -1 it does not fit in 64 bits at all.
 */
static int edgelb_config_literal_wide(const char *p, const char *end)
{
	const char *body = p + (*p == '+' || *p == '-');
	const char *digits_end = end;
	bool hex = body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
	const char *first = hex ? body + 2 : body;
	char digits[24]; /* a sign, 19 decimal or 16 hex digits, NUL */
	unsigned long long u;
	long long v;
	size_t n;

	if (end - first > 2 && end[-1] == 'L' && end[-2] == 'L')
		digits_end = end - 2;
	else if (end - first > 1 && end[-1] == 'L')
		digits_end = end - 1;
	/* libconfig takes no sign before a hex literal */
	if (hex ? body != p || !edgelb_config_all_digits(first, digits_end, 16)
		: !edgelb_config_all_digits(first, digits_end, 10))
		return 0;
	while (first < digits_end - 1 && *first == '0')
		first++;
	n = (size_t)(digits_end - first);
	if (n > (hex ? 16u : 19u))
		return -1;
	digits[0] = *p == '-' ? '-' : '+';
	memcpy(digits + 1, first, n);
	digits[n + 1] = '\0';
	errno = 0;
	if (hex) {
		u = strtoull(digits + 1, NULL, 16);
		/* libconfig keeps a 64-bit hex literal in a signed long long */
		if (u > (unsigned long long)LLONG_MAX)
			return -1;
		return digits_end == end && u > (unsigned long long)INT_MAX;
	}
	v = strtoll(digits, NULL, 10);
	if (errno == ERANGE)
		return -1;
	return digits_end == end && (v < INT_MIN || v > INT_MAX);
}

/*
 * libconfig 1.5 reads a decimal literal through atoi() and a hex one into
 * an int: 4294967296 arrives as 0, 4294967376 as 80, 0xFFFFFFFF as -1, with
 * no error, and a weight that wrapped to 0 passes every range check. Each
 * integer literal outside int is copied with an "L" suffix, which makes
 * libconfig (1.5 and 1.7 alike) keep it as a 64-bit integer, so that the
 * range checks see, and quote, the number the file says. A literal beyond
 * 64 bits is reported here as written. Strings and comments are copied
 * untouched; only "L"s are added, so line numbers stay.
 *
 * Returns 0 and the new text in *out (to free), -EINVAL (reported) or
 * -ENOMEM.
 */
int edgelb_config_widen_integers(struct edgelb_config_ctx *ctx, const char *text,
				 size_t len, char **out)
{
	/* a widened literal has at least 10 characters: one "L" per 10 is enough */
	char *buf = malloc(len + len / 10 + 1), *o = buf;
	const char *p = text, *counted = text;
	unsigned int line = 1;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (*p) {
		const char *start = p;
		int wide;

		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *close = strstr(p + 2, "*/");

			p = close ? close + 2 : p + strlen(p);
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			   *p == '*') {
			while (edgelb_config_is_name_char(*p))
				p++;
		} else if ((*p >= '0' && *p <= '9') ||
			   ((*p == '+' || *p == '-' || *p == '.') && p[1] >= '0' && p[1] <= '9')) {
			p = edgelb_config_number_end(p);
			wide = edgelb_config_literal_wide(start, p);
			if (wide < 0) {
				bool cut = p - start > EDGELB_CONFIG_LITERAL_SHOWN;

				/* counted from the last report on, not from the top */
				for (; counted < start; counted++)
					line += *counted == '\n';
				edgelb_config_error_at(ctx, line, "%.*s%s does not fit in 64 bits",
						       cut ? EDGELB_CONFIG_LITERAL_SHOWN
							   : (int)(p - start),
						       start, cut ? "..." : "");
				ret = -EINVAL;
			}
			memcpy(o, start, (size_t)(p - start));
			o += p - start;
			if (wide > 0)
				*o++ = 'L';
			continue;
		} else {
			p++;
		}
		memcpy(o, start, (size_t)(p - start));
		o += p - start;
	}
	*o = '\0';
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}
