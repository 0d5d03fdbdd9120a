/*
 * watch.h: what the confine suite's pid watchers (exewatch.c, ttywatch.c,
 * stagekill.c) share: a stop flag set by SIGTERM/SIGINT, the ready file the
 * suite waits for, reading /proc, and the last pid the kernel handed out
 * (/proc/sys/kernel/ns_last_pid, read through an open fd), so each new pid
 * of the watched pid namespace is caught as it appears.
 */
#ifndef JAILME_WATCH_H
#define JAILME_WATCH_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* read_proc reads /proc/PID/FILE into buf (NUL-terminated); -1 if it
 * cannot. */
static inline int read_proc(const char *pid, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%s/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* field is the number after KEY (e.g. "\nUid:") in a /proc status text,
 * -1 if absent. */
static inline long field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
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
