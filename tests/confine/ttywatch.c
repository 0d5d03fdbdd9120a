/* ttywatch: a jail root with CAP_SYS_PTRACE in the host's user namespace
 * (tests/confine.sh case 15) catching the session before it runs a single
 * instruction. It spins on the next pids the jail's pid namespace hands out
 * (ns_last_pid .. +3), PTRACE_SEIZEs each and PTRACE_INTERRUPTs it: a
 * process just forked stops before it returns to user space. Stopped, its
 * /proc/N/stat says which session it is in and which controlling tty it
 * has: a session that has not run setsid yet has a session id this pid
 * namespace cannot see (0), and its tty is then the caller's, whose
 * /dev/tty the tracer could make it open.
 *
 *	ttywatch UID READY
 *
 * creates READY once it spins and stops on SIGTERM, printing
 *	seized=N early=E held=H unfiltered=U
 * where seized counts the stops of processes of uid UID, early the
 * processes stopped before their own setsid (session id not their pid),
 * held those of the early ones that had a controlling tty, and unfiltered
 * (when the watcher itself runs under a seccomp filter, as every process
 * of such a jail) those stopped without one: the tracer could have made
 * them fork a child free of the jail's filter for good. Built static for a busybox
 * jail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "watch.h"


/* status_field returns the number after KEY (e.g. "\nUid:") in
 * /proc/PID/status, -1 if unreadable. */
static long status_field(const char *pid, const char *key)
{
	char buf[4096];

	if (read_proc(pid, "status", buf, sizeof buf) < 0)
		return -1;
	return field(buf, key);
}

/* session_tty reads the session id and tty_nr of /proc/PID/stat. */
static int session_tty(const char *pid, long *sid, long *tty)
{
	char buf[1024], *s;

	if (read_proc(pid, "stat", buf, sizeof buf) < 0)
		return -1;
	s = strrchr(buf, ')');
	if (s == NULL || sscanf(s, ") %*c %*d %*d %ld %ld", sid, tty) != 2)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long seized = 0, early = 0, held = 0, unfiltered = 0;
	long last, p, self = (long)getpid(), uid, sid, tty, counted = 0, bare = 0, filtered;
	char pid[32];
	int lastfd, st;

	if (argc != 3) {
		fprintf(stderr, "usage: ttywatch UID READY\n");
		return 2;
	}
	uid = strtol(argv[1], NULL, 10);
	filtered = status_field("self", "\nSeccomp:") == 2;
	lastfd = watch_begin(argv[2]);
	if (lastfd < 0)
		return 1;
	while (!done) {
		last = last_pid(lastfd);
		for (p = last; p <= last + 3 && !done; p++) {
			if (p == self || ptrace(PTRACE_SEIZE, p, 0, 0) < 0)
				continue;
			snprintf(pid, sizeof pid, "%ld", p);
			if (ptrace(PTRACE_INTERRUPT, p, 0, 0) == 0 &&
			    waitpid(p, &st, __WALL) == p && WIFSTOPPED(st) &&
			    status_field(pid, "\nUid:") == uid && session_tty(pid, &sid, &tty) == 0) {
				seized++;
				if (filtered && p != bare && status_field(pid, "\nSeccomp:") == 0) {
					bare = p;
					unfiltered++;
					fprintf(stderr, "ttywatch: pid %ld runs without the jail's seccomp filter\n", p);
				}
				if (sid != p && p != counted) {
					counted = p;
					early++;
					if (tty != 0) {
						held++;
						fprintf(stderr, "ttywatch: pid %ld, session %ld, has tty %ld:%ld\n",
						    p, sid, (tty >> 8) & 0xfff, (tty & 0xff) | ((tty >> 12) & 0xfff00));
					}
				}
			}
			ptrace(PTRACE_DETACH, p, 0, 0);
		}
	}
	printf("seized=%lu early=%lu held=%lu unfiltered=%lu\n", seized, early, held, unfiltered);
	return 0;
}
