/*
 * watch.h: what the confine suite's pid watchers (exewatch.c, ttywatch.c,
 * stagekill.c) share: a stop flag set by SIGTERM/SIGINT, the ready file the
 * suite waits for, and the last pid the kernel handed out
 * (/proc/sys/kernel/ns_last_pid, read through an open fd), so each new pid
 * of the watched pid namespace is caught as it appears.
 */
#ifndef JAILME_WATCH_H
#define JAILME_WATCH_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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

/* watch_begin stops on SIGTERM from now on, opens ns_last_pid and creates
 * ready (the suite waits for it): the fd for last_pid, or -1 said on
 * stderr. */
static int watch_begin(const char *ready)
{
	int lastfd, fd;

	signal(SIGTERM, stop);
	lastfd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	if (lastfd < 0) {
		perror("/proc/sys/kernel/ns_last_pid");
		return -1;
	}
	fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(ready);
		close(lastfd);
		return -1;
	}
	close(fd);
	return lastfd;
}

#endif
