// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "quote.h"

const char *edgelb_quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t o = 0;

	buf[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		int n;

		if (c == '"' || c == '\\')
			n = snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n = snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			n = snprintf(esc, sizeof(esc), "%c", c);
		/* keep room for "...", the closing quote and the NUL */
		if (o + (size_t)n + 5 > size) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, esc, (size_t)n);
		o += (size_t)n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
