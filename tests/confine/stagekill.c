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
 * the attach deadline and blame a frozen jail.
 *
 *	stagekill idle READY [SIG]
 *
 * With "idle" and no SIG it signals nothing: it makes S SCHED_IDLE and, once S
 * forked the session Q (P's child and tracee too), Q SCHED_OTHER again. With
 * every CPU busy (the suite runs spinners) S then ends long after Q: a
 * short session ends while P still reads S's reports, as a CI machine's
 * scheduler once arranged (case 17). Once Q executed, P is made SCHED_IDLE
 * too: it wakes for S's end only after S is gone. With SIG, S (idle) gets
 * SIG as soon as Q exists: killed between its fork of Q and its report
 * (case 18). sent counts the logins so arranged; in idle mode each one
 * is said at once (held=N), so the suite logs in until enough were. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch.h"

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

/* read_status reads /proc/PID/status into buf (size n), 0 if gone. */
static int read_status(long pid, char *buf, size_t n)
{
	char s[24];

	snprintf(s, sizeof s, "%ld", pid);
	return read_proc(s, "status", buf, n) == 0;
}

/* slow_waiter makes P SCHED_IDLE once Q executed (P let go of it), so
 * that P reads S's end late, with S's SIGCHLD already sent: 1 if it did. */
static int slow_waiter(long q, long p)
{
	struct sched_param none = { 0 };
	char buf[4096];

	while (!done && read_status(q, buf, sizeof buf) && field(buf, "\nTracerPid:") == p)
		;
	return sched_setscheduler((pid_t)p, SCHED_IDLE, &none) == 0;
}

/* slow_stage makes S (child of P) SCHED_IDLE, then waits for Q, another
 * tracee of P's, to make it SCHED_OTHER again: 1 if it did. It gives up
 * when S is gone (or a zombie) before Q came. With sig, S gets sig as soon
 * as Q exists instead: killed between its fork of Q and its report. */
static int slow_stage(long s, long p, int lastfd, int sig)
{
	struct sched_param none = { 0 };
	char buf[4096];
	long last, q;

	if (sched_setscheduler((pid_t)s, SCHED_IDLE, &none) < 0)
		return 0;
	while (!done) {
		if (!read_status(s, buf, sizeof buf) || strstr(buf, "\nState:\tZ"))
			return 0;
		last = last_pid(lastfd);
		for (q = last - 3; q <= last + 3; q++) {
			if (q == s || q <= 1 || !read_status(q, buf, sizeof buf))
				continue;
			if (field(buf, "\nPPid:") != p || field(buf, "\nTracerPid:") != p)
				continue;
			if (sig > 0)
				return kill((pid_t)s, sig) == 0;
			return sched_setscheduler((pid_t)q, SCHED_OTHER, &none) == 0 && slow_waiter(q, p);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[4096];
	long parents[PARENTS], last, p, self = (long)getpid(), ppid, tracer;
	unsigned long sent = 0;
	int lastfd, sig, i, n = 0, seen, idle;

	if (argc != 3 && !(argc == 4 && strcmp(argv[1], "idle") == 0)) {
		fprintf(stderr, "usage: stagekill SIG READY | stagekill idle READY [SIG]\n");
		return 2;
	}
	idle = strcmp(argv[1], "idle") == 0;
	sig = atoi(idle ? (argc == 4 ? argv[3] : "0") : argv[1]);
	lastfd = watch_begin(argv[2]);
	if (lastfd < 0)
		return 1;
	while (!done) {
		last = last_pid(lastfd);
		for (p = last - 3; p <= last + 3 && !done; p++) {
			if (p == self || p <= 1)
				continue;
			if (!read_status(p, buf, sizeof buf))
				continue;
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
			if (idle ? slow_stage(p, ppid, lastfd, sig) : kill((pid_t)p, sig) == 0) {
				sent++;
				if (idle) {
					printf("held=%lu\n", sent);
					fflush(stdout);
				}
			}
		}
	}
	printf("sent=%lu\n", sent);
	return 0;
}
