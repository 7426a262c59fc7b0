/* SPDX-License-Identifier: MIT */
/*
 * irqinfo.h - reading Linux's /proc/interrupts and /proc/irq/N/ (pure
 * parsing: the caller reads the files).  Used to learn which CPU takes an
 * event channel's interrupts, so that the thread that waits for it can
 * run there (platform.h, evtchn cpu()).
 */
#ifndef XENPVD_COMMON_IRQINFO_H
#define XENPVD_COMMON_IRQINFO_H

/*
 * The IRQ number of the one line of /proc/interrupts text whose action
 * list holds action (a whole name: "evtchn:xpvev3" does not match
 * "evtchn:xpvev31"); -ENOENT when no line does, -EEXIST when more than
 * one does.
 */
int xpv_irq_find(const char *text, const char *action);

/*
 * The CPU of a CPU list ("3", "3\n") naming exactly one CPU; -EINVAL for
 * anything else ("0-1", "0,2", "", garbage).
 */
int xpv_cpu_list_one(const char *text);

#endif /* XENPVD_COMMON_IRQINFO_H */
