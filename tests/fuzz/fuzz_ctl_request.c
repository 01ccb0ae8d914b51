// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target: one control-socket request (controlplane/ctl_proto.c), as a
 * client, any local user in control_group, may send it. Properties checked
 * beyond "no crash, no sanitizer report":
 *  - a refused request has a message, and a field name without spaces;
 *  - an accepted request has a known command and NUL-terminated names;
 *  - every refusal serialises into a reply edgelbd can send.
 *
 * Built two ways:
 *  - with -fsanitize=fuzzer (meson -Dfuzz=true, clang): LLVMFuzzerTestOneInput
 *    is libFuzzer's entry point;
 *  - without (every build): main() below replays the files given as
 *    arguments (the seed corpus), then each seed cut at every length and
 *    with every byte flipped, so the target runs as a plain meson test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl.h"
#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	struct ctl_error err;
	struct json_object *reply;
	char *text = NULL;
	size_t len;
	int ret = ctl_proto_parse((const char *)data, size, &req, &err);

	if (ret == -ENOMEM)
		return 0;
	if (ret) {
		if ((ret != -EINVAL && ret != -EMSGSIZE) || !err.message[0] ||
		    strchr(err.field, ' ') || strlen(err.field) >= sizeof(err.field))
			abort();
		reply = ctl_proto_reply_error(&err);
		if (reply && !ctl_proto_serialize(reply, &text, &len) && strlen(text) != len)
			abort();
		free(text);
		json_object_put(reply);
		return 0;
	}
	if (req.cmd >= CTL_CMD_MAX || !strcmp(ctl_proto_cmd_name(req.cmd), "?") ||
	    strnlen(req.service, sizeof(req.service)) == sizeof(req.service) ||
	    strnlen(req.backend, sizeof(req.backend)) == sizeof(req.backend) ||
	    strnlen(req.path, sizeof(req.path)) == sizeof(req.path))
		abort();
	(void)ctl_proto_needs_admin(&req);
	return 0;
}

#ifndef EDGELB_LIBFUZZER

/* Seeds built in, so the driver does something even without files. */
static const char *const builtin_seeds[] = {
	"{\"cmd\": \"status\"}",
	"{\"v\": 1, \"cmd\": \"backend.list\", \"service\": \"web\"}",
	"{\"cmd\": \"backend.drain\", \"service\": \"web\", \"backend\": \"web1\"}",
	"{\"cmd\": \"stats\"}",
};

static void run_mutations(const uint8_t *seed, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	LLVMFuzzerTestOneInput(seed, len);
	/* every prefix: requests cut anywhere */
	for (size_t n = 0; n < len; n++) {
		memcpy(buf, seed, n);
		LLVMFuzzerTestOneInput(buf, n);
	}
	/* every byte replaced by a few troublemakers */
	for (size_t i = 0; i < len; i++) {
		static const uint8_t subst[] = { 0x00, '"', '\\', '{', '}', '[', ':', ',', 0xff,
						 '9', '-', 'e' };

		for (size_t k = 0; k < sizeof(subst); k++) {
			memcpy(buf, seed, len);
			buf[i] = subst[k];
			LLVMFuzzerTestOneInput(buf, len);
		}
	}
	free(buf);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(EDGELB_CTL_REQUEST_MAX + 2);
	size_t n;

	if (!f || !buf) {
		fprintf(stderr, "fuzz_ctl_request: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	n = fread(buf, 1, EDGELB_CTL_REQUEST_MAX + 2, f);
	fclose(f);
	run_mutations(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	size_t runs = 0;
	uint8_t *big;

	for (size_t i = 0; i < sizeof(builtin_seeds) / sizeof(builtin_seeds[0]); i++, runs++)
		run_mutations((const uint8_t *)builtin_seeds[i], strlen(builtin_seeds[i]));
	for (int i = 1; i < argc; i++, runs++)
		if (replay_file(argv[i]))
			return 1;
	/* one oversized request */
	big = malloc(EDGELB_CTL_REQUEST_MAX + 1);
	if (!big)
		return 1;
	memset(big, '[', EDGELB_CTL_REQUEST_MAX + 1);
	LLVMFuzzerTestOneInput(big, EDGELB_CTL_REQUEST_MAX + 1);
	LLVMFuzzerTestOneInput(big, EDGELB_CTL_REQUEST_MAX);
	free(big);
	printf("fuzz_ctl_request: %zu seeds replayed with their mutations\n", runs);
	return 0;
}

#endif /* EDGELB_LIBFUZZER */
