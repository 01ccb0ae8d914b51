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

#include "ctl_proto.h"
#include "ctl_wire.h"

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
	    strnlen(req.path, sizeof(req.path)) == sizeof(req.path) ||
	    strnlen(req.instance, sizeof(req.instance)) == sizeof(req.instance) ||
	    strnlen(req.vip_add.name, sizeof(req.vip_add.name)) == sizeof(req.vip_add.name) ||
	    strnlen(req.backend_add.name, sizeof(req.backend_add.name)) ==
		    sizeof(req.backend_add.name) ||
	    strnlen(req.backend_add.site, sizeof(req.backend_add.site)) ==
		    sizeof(req.backend_add.site))
		abort();
	(void)ctl_proto_needs_admin(&req);
	return 0;
}

#ifndef EDGELB_LIBFUZZER

#include "replay.h"

/* Seeds built in, so the driver does something even without files. */
static const char *const builtin_seeds[] = {
	"{\"cmd\": \"status\"}",
	"{\"v\": 1, \"cmd\": \"backend.list\", \"service\": \"web\"}",
	"{\"cmd\": \"backend.drain\", \"service\": \"web\", \"backend\": \"web1\"}",
	"{\"cmd\": \"stats\"}",
};

/* JSON's troublemakers */
static const uint8_t subst[] = { 0x00, '"', '\\', '{', '}', '[', ':', ',', 0xff, '9', '-', 'e' };

static void run_mutations(const uint8_t *seed, size_t len)
{
	fuzz_mutate(seed, len, subst, sizeof(subst));
}

static int replay_file(const char *path)
{
	uint8_t *buf = malloc(EDGELB_CTL_REQUEST_MAX + 2);
	long n = buf ? fuzz_read_file("fuzz_ctl_request", path, buf, EDGELB_CTL_REQUEST_MAX + 1)
		     : -1;

	if (n >= 0)
		run_mutations(buf, (size_t)n);
	free(buf);
	return n < 0 ? -1 : 0;
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
