/* SPDX-License-Identifier: MIT */
/*
 * test-irqinfo.c - common/irqinfo.c: finding an event channel's interrupt
 * in /proc/interrupts text by its action name, and reading a one-CPU list.
 * The texts are shaped like a PV dom0's (xen-dyn lines, shared actions,
 * header and NMI/LOC lines).
 */
#include "config.h"

#include <errno.h>

#include "irqinfo.h"
#include "test-util.h"

static const char dom0[] =
	"            CPU0       CPU1       \n"
	"   1:          0          0  xen-pirq    -ioapic-edge  i8042\n"
	"  24:     123456          0  xen-percpu    -virq      timer0\n"
	"  40:        210         95  xen-dyn    -event     xenbus\n"
	"  57:       4096          0  xen-dyn    -event     evtchn:xpvev3\n"
	"  58:          0       8192  xen-dyn    -event     evtchn:xpvev31\n"
	"  59:         12         13  xen-dyn    -event     evtchn:xenstored, "
	"evtchn:xpvev7\n"
	"  60:          1          0  xen-dyn    -event     evtchn:xpvev9\n"
	"  61:          1          0  xen-dyn    -event     evtchn:xpvev9\n"
	" NMI:          0          0   Non-maskable interrupts\n"
	" LOC:          0          0   Local timer interrupts\n"
	" ERR:          0\n";

#define EXPECT_EQ(got, want)                                                \
	do {                                                                \
		int g_ = (got), w_ = (want);                                \
		EXPECT_MSG(g_ == w_, "got %d, want %d", g_, w_);             \
	} while (0)

int main(void)
{
	test_where("irq by action name");
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xpvev3"), 57);
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xpvev31"), 58);
	/* One of several actions of a shared line. */
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xpvev7"), 59);
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xenstored"), 59);
	/* A prefix of a name, or a name with a prefix, is not it. */
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xpvev"), -ENOENT);
	EXPECT_EQ(xpv_irq_find(dom0, "xpvev3"), -ENOENT);
	/* Nowhere, or on two lines (two ports on one handle). */
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xpvev4"), -ENOENT);
	EXPECT_EQ(xpv_irq_find(dom0, "evtchn:xpvev9"), -EEXIST);
	/* Names in the counts or the chip columns, or on NMI lines. */
	EXPECT_EQ(xpv_irq_find(dom0, "xen-dyn"), -EEXIST);
	EXPECT_EQ(xpv_irq_find(dom0, "Non-maskable"), -ENOENT);
	EXPECT_EQ(xpv_irq_find(dom0, ""), -ENOENT);
	EXPECT_EQ(xpv_irq_find("", "evtchn:xpvev3"), -ENOENT);
	/* No newline at the end, an IRQ number too large, no colon. */
	EXPECT_EQ(xpv_irq_find(" 7: 1 x evtchn:a", "evtchn:a"), 7);
	EXPECT_EQ(xpv_irq_find("99999999999: 1 x evtchn:a\n", "evtchn:a"),
		  -ENOENT);
	EXPECT_EQ(xpv_irq_find("12 1 x evtchn:a\n", "evtchn:a"), -ENOENT);

	test_where("one-CPU list");
	EXPECT_EQ(xpv_cpu_list_one("0"), 0);
	EXPECT_EQ(xpv_cpu_list_one("1\n"), 1);
	EXPECT_EQ(xpv_cpu_list_one("127\n"), 127);
	EXPECT_EQ(xpv_cpu_list_one("0-1\n"), -EINVAL);
	EXPECT_EQ(xpv_cpu_list_one("0,2\n"), -EINVAL);
	EXPECT_EQ(xpv_cpu_list_one(""), -EINVAL);
	EXPECT_EQ(xpv_cpu_list_one("\n"), -EINVAL);
	EXPECT_EQ(xpv_cpu_list_one("x"), -EINVAL);
	EXPECT_EQ(xpv_cpu_list_one("99999999\n"), -EINVAL);
	return test_status();
}
