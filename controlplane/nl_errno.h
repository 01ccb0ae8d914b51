/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libnl's own error codes (NLE_*, which its calls return negated) as a
 * negative errno, so that every netlink user of edgelbd reports errors the
 * same way (strerror). Unknown codes are -EIO.
 */
#ifndef EDGELB_NL_ERRNO_H
#define EDGELB_NL_ERRNO_H

int edgelb_nl_errno(int nlerr);

#endif /* EDGELB_NL_ERRNO_H */
