// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drives controlplane/vrrp/vmac.c for test_vrrp_vmac.sh:
 *   vrrp_vmac ensure PARENT VRID 4|6   prints "NAME IFINDEX"
 *   vrrp_vmac remove NAME
 *   vrrp_vmac name PARENT_IFINDEX VRID 4|6   prints the name (no netlink)
 * Exit 0 on success, 1 with the error on stderr otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "vmac.h"

static int usage(void)
{
	fprintf(stderr, "usage: vrrp_vmac ensure PARENT VRID 4|6 | remove NAME |"
			" name PARENT_IFINDEX VRID 4|6\n");
	return 2;
}

static int parse(const char *vrid_s, const char *fam_s, uint8_t *vrid, uint8_t *family)
{
	char *end;
	long v = strtol(vrid_s, &end, 10);

	if (*end || v < 1 || v > 255)
		return -1;
	*vrid = (uint8_t)v;
	if (!strcmp(fam_s, "4"))
		*family = AF_INET;
	else if (!strcmp(fam_s, "6"))
		*family = AF_INET6;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	char name[IFNAMSIZ];
	struct nl_sock *sk;
	uint8_t vrid, family;
	int err, ifindex = 0;

	if (argc == 5 && !strcmp(argv[1], "name")) {
		if (parse(argv[3], argv[4], &vrid, &family))
			return usage();
		err = vrrp_vmac_name(atoi(argv[2]), vrid, family, name);
		if (err) {
			fprintf(stderr, "vrrp_vmac: name: %s\n", strerror(-err));
			return 1;
		}
		printf("%s\n", name);
		return 0;
	}
	if (!(argc == 5 && !strcmp(argv[1], "ensure")) && !(argc == 3 && !strcmp(argv[1], "remove")))
		return usage();

	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE)) {
		fprintf(stderr, "vrrp_vmac: netlink socket\n");
		return 1;
	}
	if (!strcmp(argv[1], "ensure")) {
		int parent = (int)if_nametoindex(argv[2]);

		if (parse(argv[3], argv[4], &vrid, &family)) {
			nl_socket_free(sk);
			return usage();
		}
		if (!parent) {
			fprintf(stderr, "vrrp_vmac: %s: %s\n", argv[2], strerror(errno));
			nl_socket_free(sk);
			return 1;
		}
		err = vrrp_vmac_ensure(sk, parent, vrid, family, name, &ifindex);
		if (!err)
			printf("%s %d\n", name, ifindex);
	} else {
		err = vrrp_vmac_remove(sk, argv[2]);
	}
	nl_socket_free(sk);
	if (err) {
		fprintf(stderr, "vrrp_vmac: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	return 0;
}
