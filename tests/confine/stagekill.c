/* stagekill: the session's own user signalling jailsh's attach stage
 * (tests/confine.sh case 16). Runs on the host side and spins on the next
 * pids (ns_last_pid .. +3) for the attach stage S once it asked
 * PTRACE_TRACEME of jailsh's helper P: a process traced by its own parent
 * and in no pid namespace below this one (the session Q, also P's child and
 * tracee until it executes, is in the jail's: one NSpid more; signalled, it
 * could have executed and stopped for good in between). It sends SIG to S
 * of each parent once.
 *
 *	stagekill SIG READY
 *
 * creates READY once it spins and stops on SIGTERM, printing
 *	sent=N
 * the number of processes it signalled. S stopped by a signal is P's tracee:
 * P must pass the signal on (or drop a stop), never leave S stopped until
 * the attach deadline and blame a frozen jail. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch.h"

/* field reads "Name:\tvalue" from /proc/PID/status, -1 if absent. */
static long field(const char *status, const char *name)
{
	const char *p = strstr(status, name);

	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

/* one_pid_ns says the process has one NSpid: it is in this pid namespace
 * and no namespace below it. */
static int one_pid_ns(const char *status)
{
	const char *p = strstr(status, "\nNSpid:");

	if (p == NULL)
		return 0;
	p += strlen("\nNSpid:");
	p += strspn(p, " \t");
	p += strspn(p, "0123456789");
	return *p == '\n';
}

#define PARENTS 256

int main(int argc, char **argv)
{
	char path[64], buf[4096];
	long parents[PARENTS], last, p, self = (long)getpid(), ppid, tracer;
	unsigned long sent = 0;
	int lastfd, fd, sig, i, n = 0, seen;
	ssize_t len;

	if (argc != 3) {
		fprintf(stderr, "usage: stagekill SIG READY\n");
		return 2;
	}
	sig = atoi(argv[1]);
	lastfd = watch_begin(argv[2]);
	if (lastfd < 0)
		return 1;
	while (!done) {
		last = last_pid(lastfd);
		for (p = last - 3; p <= last + 3 && !done; p++) {
			if (p == self || p <= 1)
				continue;
			snprintf(path, sizeof path, "/proc/%ld/status", p);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			len = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (len <= 0)
				continue;
			buf[len] = '\0';
			ppid = field(buf, "\nPPid:");
			tracer = field(buf, "\nTracerPid:");
			if (ppid <= 1 || tracer != ppid || !one_pid_ns(buf))
				continue;
			for (seen = 0, i = 0; i < n && !seen; i++)
				seen = parents[i] == ppid;
			if (seen)
				continue;
			if (n < PARENTS)
				parents[n++] = ppid;
			if (kill((pid_t)p, sig) == 0)
				sent++;
		}
	}
	printf("sent=%lu\n", sent);
	return 0;
}
