/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The balancer model's section of the state file (state.h): lb.h's
 * runtime layer (what lbctl changed on top of the config) and the name ->
 * id assignments, so that a restart keeps both. It sits at the top level
 * of the file, where the first state files had these members.
 */
#ifndef EDGELB_STATE_LB_H
#define EDGELB_STATE_LB_H

#include "lb.h"
#include "state.h"

/* The "lb" section for lb (which must outlive the registration). */
void edgelb_state_lb_section(struct lb *lb, struct edgelb_state_section *out);

#endif /* EDGELB_STATE_LB_H */
