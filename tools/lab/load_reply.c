// SPDX-License-Identifier: GPL-2.0-only
/*
 * edgelb-load: the verdict on one reply (see load_reply.h). A small state
 * machine over bytes, so the verdict cannot depend on how reads cut the
 * reply, and a pool slot never holds more than one line.
 */
#include <errno.h>
#include <string.h>

#include "load_reply.h"

static const char *const reason_names[LOAD_N_REASONS] = {
	[LOAD_OK] = "ok",
	[LOAD_TIMEOUT] = "timeout",
	[LOAD_REFUSED] = "refused",
	[LOAD_RESET] = "reset",
	[LOAD_UNREACHABLE] = "unreachable",
	[LOAD_STATUS] = "status",
	[LOAD_OVERLOAD] = "overload",
	[LOAD_OTHER] = "other",
};

const char *load_reason_name(enum load_reason r)
{
	return r < LOAD_N_REASONS ? reason_names[r] : "other";
}

enum load_reason load_reason_of_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return LOAD_REFUSED;
	/* EPIPE: our request hit a connection the server had already reset */
	case ECONNRESET:
	case EPIPE:
		return LOAD_RESET;
	case EHOSTUNREACH:
	case ENETUNREACH:
		return LOAD_UNREACHABLE;
	/* the kernel gave up on the SYN before --timeout did: still a timeout */
	case ETIMEDOUT:
		return LOAD_TIMEOUT;
	default:
		return LOAD_OTHER;
	}
}

void load_reply_init(struct load_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->state = LOAD_REPLY_STATUS_LINE;
}

static bool bad(struct load_reply *r, const char *why)
{
	r->state = LOAD_REPLY_BAD;
	r->why = why;
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "HTTP/1.<d> <ddd>[ reason]": true iff well formed with status 200 */
static bool status_line_ok(struct load_reply *r)
{
	const char *p = r->line;

	if (strncmp(p, "HTTP/1.", 7) != 0 || !is_digit(p[7]))
		return bad(r, "no HTTP/1.x status line");
	p += 8;
	if (*p != ' ')
		return bad(r, "no HTTP/1.x status line");
	while (*p == ' ')
		p++;
	if (!is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) ||
	    (p[3] != '\0' && !is_blank(p[3])))
		return bad(r, "unparsable status code");
	if (strncmp(p, "200", 3) != 0)
		return bad(r, "status not 200");
	return true;
}

static void keep(struct load_reply *r, char c)
{
	/* cut, not refused: only the first bytes of a line are ever judged */
	if (r->line_len < LOAD_LINE_MAX - 1)
		r->line[r->line_len++] = c;
}

bool load_reply_feed(struct load_reply *r, const char *buf, size_t len)
{
	for (size_t i = 0; i < len && r->state != LOAD_REPLY_BAD; i++) {
		char c = buf[i];

		if (++r->fed > LOAD_REPLY_MAX)
			return bad(r, "reply larger than 64 KiB");
		switch (r->state) {
		case LOAD_REPLY_STATUS_LINE:
			if (c != '\n') {
				keep(r, c);
				break;
			}
			while (r->line_len && r->line[r->line_len - 1] == '\r')
				r->line_len--;
			r->line[r->line_len] = '\0';
			if (!status_line_ok(r))
				return false;
			r->state = LOAD_REPLY_HEADERS;
			r->newlines = 1;
			break;
		case LOAD_REPLY_HEADERS:
			/* the header ends at two line ends in a row, CRs aside */
			if (c == '\r')
				break;
			if (c != '\n') {
				r->newlines = 0;
				break;
			}
			if (++r->newlines == 2) {
				r->state = LOAD_REPLY_LABEL;
				r->line_len = 0;
			}
			break;
		case LOAD_REPLY_LABEL:
			r->body_len++;
			if (c == '\n')
				r->state = LOAD_REPLY_BODY;
			else
				keep(r, c);
			break;
		case LOAD_REPLY_BODY:
			r->body_len++;
			break;
		case LOAD_REPLY_BAD:
			break;
		}
	}
	return r->state != LOAD_REPLY_BAD;
}

/* Copy the word at *p (blanks end it) into name; advance *p past it. */
static void take_word(const char **p, const char *end, char *name)
{
	size_t n = 0;

	while (*p < end && is_blank(**p))
		(*p)++;
	for (; *p < end && !is_blank(**p); (*p)++) {
		unsigned char c = (unsigned char)**p;

		if (n < LOAD_NAME_MAX - 1)
			name[n++] = c > ' ' && c < 0x7f && c != '=' ? (char)c : '_';
	}
	name[n] = '\0';
}

enum load_reason load_reply_eof(struct load_reply *r, struct load_label *label)
{
	const char *p = r->line, *end = r->line + r->line_len;

	memset(label, 0, sizeof(*label));
	switch (r->state) {
	case LOAD_REPLY_BAD:
		return LOAD_STATUS;
	case LOAD_REPLY_STATUS_LINE:
		bad(r, r->fed ? "no complete status line" : "empty reply");
		return LOAD_STATUS;
	case LOAD_REPLY_HEADERS:
		bad(r, "header not terminated");
		return LOAD_STATUS;
	case LOAD_REPLY_LABEL:
	case LOAD_REPLY_BODY:
		break;
	}
	if (r->body_len == 0) {
		bad(r, "empty body");
		return LOAD_STATUS;
	}
	take_word(&p, end, label->backend);
	take_word(&p, end, label->site);
	if (!label->backend[0])
		strcpy(label->backend, "-");
	return LOAD_OK;
}
