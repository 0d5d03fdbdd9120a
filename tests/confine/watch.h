/*
 * watch.h: what the confine suite's pid watchers (exewatch.c, ttywatch.c)
 * share: a stop flag set by SIGTERM/SIGINT, and the last pid the kernel
 * handed out (/proc/sys/kernel/ns_last_pid, read through an open fd), so
 * each new pid of the jail's pid namespace is caught as it appears.
 */
#ifndef JAILME_WATCH_H
#define JAILME_WATCH_H

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void stop(int sig)
{
	(void)sig;
	done = 1;
}

static long last_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

#endif
