/*
 * forkhost: a small PAM application that behaves like sshd, login and su
 * around pam_jailme.so, for pam_jailme's tests (compiled by the test with
 * cc -o forkhost forkhost.c -lpam; Linux-PAM only: pam_start_confdir).
 *
 *	forkhost CONFDIR SERVICE USER MODE [N]
 *
 * MODE:
 *	open         open and close one session
 *	fork [N]     open a session, then fork N children (default 1) one
 *	             after another; each calls pam_setcred (ESTABLISH_CRED),
 *	             pam_open_session, pam_close_session and pam_end, as
 *	             sshd's forked child does with setcred
 *	loop N       N sequential pam_start/open/close/end in one process;
 *	             the number of open fds is reported before the first
 *	             (fds-before, the module not loaded yet) and after each,
 *	             with the number of threads (threads:)
 *	mask         open a session, then report each thread's blocked signals
 *	sigpipe-ign  SIGPIPE ignored, stderr a pipe with no reader: open,
 *	             then write to stderr ourselves (EPIPE expected)
 *	sigpipe-dfl  the same with SIGPIPE at its default disposition
 *
 * Everything is reported on stdout, one "key: value" line at a time, written
 * unbuffered so that nothing is duplicated across fork.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

static void
say(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)write(1, buf, n);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	r = calloc(n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_ERROR_MSG:
			say("conv-error: %s", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			say("conv-info: %s", msg[i]->msg);
			break;
		default:
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static struct pam_conv pc = { conv, NULL };

static pam_handle_t *
start(const char *confdir, const char *service, const char *user)
{
	pam_handle_t *h = NULL;
	int r;

	r = pam_start_confdir(service, user, &pc, confdir, &h);
	if (r != PAM_SUCCESS) {
		say("pam_start: %d", r);
		exit(2);
	}
	return h;
}

/*
 * entries counts the entries of a /proc directory: nfds is the number of
 * open file descriptors, all of them (the module must leave none behind,
 * the Go runtime's netpoller pair, an epoll and an eventfd, included), not
 * counting the one that reads /proc/self/fd; nthreads the threads.
 */
static int
entries(const char *dir, int fds)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (fds && atoi(e->d_name) == dirfd(d)))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

static int nfds(void) { return entries("/proc/self/fd", 1); }
static int nthreads(void) { return entries("/proc/self/task", 0); }

/* fdlist prints "fd: N TARGET" for every descriptor above 2. */
static void
fdlist(void)
{
	DIR *d;
	struct dirent *e;
	char path[512], target[512];
	ssize_t n;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) <= 2 ||
		    atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (strncmp(target, "socket:", 7) == 0) {
			/* Which socket: the peer's path says who opened it. */
			struct sockaddr_un sa;
			socklen_t len = sizeof(sa);

			memset(&sa, 0, sizeof(sa));
			if (getpeername(atoi(e->d_name), (struct sockaddr *)&sa, &len) == 0 &&
			    sa.sun_family == AF_UNIX)
				say("fd: %s %s peer %s", e->d_name, target, sa.sun_path);
			else
				say("fd: %s %s", e->d_name, target);
			continue;
		}
		say("fd: %s %s", e->d_name, target);
	}
	closedir(d);
}

/* masks prints "thread: TID main|other SigBlk-hex" for every thread. */
static void
masks(void)
{
	DIR *d;
	struct dirent *e;
	char path[512], line[256];
	FILE *f;

	d = opendir("/proc/self/task");
	if (d == NULL) {
		say("error: opendir /proc/self/task: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status",
		    e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "SigBlk:", 7) == 0) {
				line[strcspn(line, "\n")] = '\0';
				say("thread: %s %s %s", e->d_name,
				    atoi(e->d_name) == getpid() ?
				    "main" : "other", line + 8 + strspn(line + 7, "\t "));
			}
		}
		fclose(f);
	}
	closedir(d);
}

static int
forkmode(const char *confdir, const char *service, const char *user, int n)
{
	pam_handle_t *h;
	pid_t pid;
	int i, st;

	h = start(confdir, service, user);
	say("parent-open: %d", pam_open_session(h, 0));
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == -1) {
			say("error: fork: %s", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			say("child-setcred: %d", pam_setcred(h, PAM_ESTABLISH_CRED));
			say("child-open: %d", pam_open_session(h, 0));
			say("child-close: %d", pam_close_session(h, 0));
			say("child-end: %d", pam_end(h, PAM_SUCCESS));
			_exit(0);
		}
		if (waitpid(pid, &st, 0) == -1) {
			say("error: waitpid: %s", strerror(errno));
			return 1;
		}
		say("child-status: %d", st);
	}
	say("parent-close: %d", pam_close_session(h, 0));
	say("parent-end: %d", pam_end(h, PAM_SUCCESS));
	return 0;
}

int
main(int argc, char *argv[])
{
	pam_handle_t *h;
	const char *confdir, *service, *user, *mode;
	sigset_t empty;
	int i, n, r;

	if (argc < 5) {
		fprintf(stderr, "usage: forkhost CONFDIR SERVICE USER MODE [N]\n");
		return 2;
	}
	confdir = argv[1];
	service = argv[2];
	user = argv[3];
	mode = argv[4];

	/* A known starting point for the mask test: nothing blocked. */
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);

	if (strcmp(mode, "fork") == 0)
		return forkmode(confdir, service, user, argc > 5 ? atoi(argv[5]) : 1);
	if (strcmp(mode, "sigpipe-ign") == 0)
		signal(SIGPIPE, SIG_IGN);
	else if (strcmp(mode, "sigpipe-dfl") == 0)
		signal(SIGPIPE, SIG_DFL);

	n = 1;
	if (strcmp(mode, "loop") == 0 && argc > 5)
		n = atoi(argv[5]);
	say("fds-before: %d", nfds());
	for (i = 0; i < n; i++) {
		h = start(confdir, service, user);
		r = pam_open_session(h, 0);
		say("open: %d", r);
		if (strcmp(mode, "mask") == 0)
			masks();
		if (strncmp(mode, "sigpipe-", 8) == 0) {
			/* The host's own write to a broken stderr. */
			errno = 0;
			r = write(2, "x\n", 2);
			say("host-write: %d %s", r, strerror(errno));
		}
		say("close: %d", pam_close_session(h, 0));
		pam_end(h, PAM_SUCCESS);
		say("fds: %d", nfds());
		say("threads: %d", nthreads());
	}
	fdlist();
	say("done: %d", n);
	return 0;
}
