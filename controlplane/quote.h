/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Quoting operator input for error messages: config values, lbctl fields.
 */
#ifndef EDGELB_QUOTE_H
#define EDGELB_QUOTE_H

#include <stddef.h>

/*
 * s[0..len) between double quotes, with quotes, backslashes and control or
 * non-ASCII bytes escaped, shortened with "..." to fit size bytes (at
 * least 8) so that a message stays on one line. Returns buf.
 */
const char *edgelb_quote(const char *s, size_t len, char *buf, size_t size);

#endif /* EDGELB_QUOTE_H */
