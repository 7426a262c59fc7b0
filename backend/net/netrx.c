/* SPDX-License-Identifier: MIT */
/*
 * netrx.c - the rx slot plan of a frame (see netrx.h).
 */
#include "config.h"

#include <errno.h>

#include "netrx.h"

#define RX_PAGE 4096u

unsigned int xpvd_netrx_nr_slots(uint32_t len, bool gso_extra)
{
	if (len == 0 || len > XPVD_NETRX_MAX_LEN)
		return 0;
	return (len + RX_PAGE - 1) / RX_PAGE + (gso_extra ? 1u : 0u);
}

int xpvd_netrx_plan(uint32_t len, uint16_t csum_flags, bool gso_extra,
		    struct xpvd_netrx_slot *slots, unsigned int max)
{
	unsigned int n = xpvd_netrx_nr_slots(len, gso_extra), i = 0;
	uint32_t done = 0, chunk;
	struct xpvd_netrx_slot *s;

	if (n == 0)
		return -EMSGSIZE;
	if (n > max)
		return -ENOSPC;
	while (done < len) {
		chunk = len - done < RX_PAGE ? len - done : RX_PAGE;
		s = &slots[i++];
		s->extra = false;
		s->len = (uint16_t)chunk;
		s->frame_off = done;
		s->flags = 0;
		done += chunk;
		if (done < len)
			s->flags |= NETRXF_more_data;
		if (i == 1) {
			s->flags |= csum_flags & (NETRXF_csum_blank |
						  NETRXF_data_validated);
			if (gso_extra) {
				s->flags |= NETRXF_extra_info;
				s = &slots[i++];
				s->extra = true;
				s->flags = 0;
				s->len = 0;
				s->frame_off = done;
			}
		}
	}
	return (int)i;
}
