/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands of the control socket (ctl_wire.h), run on the daemon's state.
 * Called from the event loop: each does bounded work and never blocks
 * (config.check and config.reload read one local, regular file).
 */
#ifndef EDGELB_CTL_CMDS_H
#define EDGELB_CTL_CMDS_H

#include "ctl_proto.h"

struct edgelb_ctl_env;
struct json_object;

/*
 * Run req, already parsed and authorised, on env's model (ctl.h). Returns
 * the reply (success or error, see ctl_wire.h), or NULL when out of memory.
 */
struct json_object *ctl_cmds_run(const struct edgelb_ctl_env *env, const struct ctl_request *req);

#endif /* EDGELB_CTL_CMDS_H */
