/*
 * The attach helper: how jailsh enters every Linux jail (issue 27).
 *
 * jailsh (Go, setuid root) decides, locates, pins and opens everything,
 * logs the allow line, writes this program's image into a memfd, seals it
 * and executes it in place of itself (internal/jail/stage_linux.go). So the
 * process sshd waits on becomes this one: no Go runtime, one thread, and an
 * image that is not a file of the host. Nothing of the host's jailsh is
 * left in any process once it ran; a process of the jail that opens
 * /proc/PID/exe of ours gets a sealed memfd that nobody can write, made
 * afresh for each login (runc CVE-2019-5736).
 *
 *	jailsh-attach PLANFD
 *
 * Three processes, each a plain fork of the one before (DESIGN.md, "Linux
 * attach invariants"):
 *   P  this process: root (effective), host namespaces. Reads the plan,
 *      forks S, reads S's reports with a deadline and traces Q until it
 *      executed (release), then drops to the user's host ids and relays
 *      the session's terminal or stdio, signals, stops and exit status
 *      until the session ends.
 *   S  the stage: a session of its own, traced by P, LSM exec label, host
 *      groups, namespaces, chroot, user namespace, bounding set,
 *      no_new_privs, ids, capabilities, read back, not dumpable; then the
 *      jail's cgroups (as the user, through fds root opened: the kernel
 *      checks the opener), home, every fd closed but the session's; forks
 *      Q into the jail's pid namespace (CLONE_PARENT: Q is P's child;
 *      CLONE_PTRACE: P's tracee) and exits. S is never in the jail's pid
 *      namespace.
 *   Q  the session: the user, no capability, not dumpable, only its stdio
 *      and the report pipe (O_CLOEXEC); setsid, controlling tty, default
 *      signals, seccomp filters, execve.
 *
 * Run by anyone else (the jail's shell set to /proc/self/exe, a script
 * starting #!/proc/self/exe) it is the user without privilege: it refuses
 * and exits 126 before it reads anything.
 *
 * Every failure names the system call and its argument; S and Q report
 * them to P over the pipe as (step, errno, arg), P prints them as
 * "jailsh: denied: jail NAME: ..." and logs the deny line jailsh prepared.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "plan.h"

/* The kernel's ABI, declared here: musl ships no kernel headers. */
#define CAP_V3 0x20080522
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
struct sock_filter { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };
#define SECCOMP_SET_MODE_FILTER 1

/* ------------------------------------------------------------------ plan */

struct ns { int fd, type; const char *name; };
struct filter { uint32_t len; const struct sock_filter *prog; };

struct plan {
	struct jm_plan_hdr h;
	const uint32_t *groups, *host_groups;
	struct ns *ns;
	const int32_t *cgroups;
	const char *jail, *label_file, *label_value, *home, *path, *log_prefix;
	const char **cgroup_names;
	char **argv, **envp;
	struct filter *filters;
	int report;                /* write end of the report pipe, in S and Q */
	int files[3];              /* the session's fds 0-2 before S moves them */
};

static struct plan P;

static void log_deny(const char *code, const char *why);

/* die is P's own failure. Before the session executed, the allow line is
 * out and the session never starts: the deny line says so (a caller's
 * ulimit -n 15 made "pipe" fail here, and the log ended on the allow). */
static void __attribute__((noreturn))
die(const char *msg)
{
	char why[256];

	dprintf(2, "jailsh: attach: %s\n", msg);
	snprintf(why, sizeof(why), "attach: %s", msg);
	log_deny("attach", why);
	_exit(1);
}

/* The plan is one memfd jailsh wrote: the header, then arrays, then
 * strings, each checked against the end. */
struct cursor { const char *p, *end; };

static const void *
take(struct cursor *c, size_t n)
{
	const void *p = c->p;

	if ((size_t)(c->end - c->p) < n)
		die("plan: truncated");
	c->p += n;
	return p;
}

static const char *
str(struct cursor *c)
{
	uint32_t n = *(const uint32_t *)take(c, 4);
	const char *s = take(c, (size_t)n + 1);

	if (s[n] != '\0' || strlen(s) != n)
		die("plan: malformed string");
	c->p += (4 - ((n + 1) & 3)) & 3;
	if (c->p > c->end)
		die("plan: truncated");
	return s;
}

static void
load(int fd)
{
	struct stat st;
	struct cursor c;
	char *buf;
	uint32_t i;

	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(P.h) || st.st_size > JM_PLAN_MAX)
		die("plan: not a plan");
	buf = malloc(st.st_size);
	if (buf == NULL || pread(fd, buf, st.st_size, 0) != st.st_size)
		die("plan: read");
	close(fd);
	c.p = buf;
	c.end = buf + st.st_size;
	memcpy(&P.h, take(&c, sizeof(P.h)), sizeof(P.h));
	if (P.h.magic != JM_PLAN_MAGIC || P.h.size != sizeof(P.h))
		die("plan: not from this jailsh");
	if (P.h.ngroups > JM_MAX_GROUPS || P.h.nhost_groups > JM_MAX_GROUPS || P.h.nns > 16 ||
	    P.h.ncgroups > 64 || P.h.nargv > 100000 || P.h.nenv > 1000 || P.h.nfilters > 64)
		die("plan: too large");
	P.groups = take(&c, 4 * P.h.ngroups);
	P.host_groups = take(&c, 4 * P.h.nhost_groups);
	P.cgroups = take(&c, 4 * P.h.ncgroups);
	P.ns = calloc(P.h.nns + 1, sizeof(*P.ns));
	P.cgroup_names = calloc(P.h.ncgroups + 1, sizeof(char *));
	P.argv = calloc(P.h.nargv + 1, sizeof(char *));
	P.envp = calloc(P.h.nenv + 1, sizeof(char *));
	P.filters = calloc(P.h.nfilters + 1, sizeof(*P.filters));
	if (!P.ns || !P.cgroup_names || !P.argv || !P.envp || !P.filters)
		die("plan: out of memory");
	for (i = 0; i < P.h.nns; i++) {
		P.ns[i].fd = *(const int32_t *)take(&c, 4);
		P.ns[i].type = *(const int32_t *)take(&c, 4);
		P.ns[i].name = str(&c);
	}
	for (i = 0; i < P.h.ncgroups; i++)
		P.cgroup_names[i] = str(&c);
	P.jail = str(&c);
	P.label_file = str(&c);
	P.label_value = str(&c);
	P.home = str(&c);
	P.path = str(&c);
	P.log_prefix = str(&c);
	for (i = 0; i < P.h.nargv; i++)
		P.argv[i] = (char *)str(&c);
	for (i = 0; i < P.h.nenv; i++)
		P.envp[i] = (char *)str(&c);
	for (i = 0; i < P.h.nfilters; i++) {
		P.filters[i].len = *(const uint32_t *)take(&c, 4);
		if (P.filters[i].len == 0 || P.filters[i].len > 4096)
			die("plan: bad seccomp filter");
		P.filters[i].prog = take(&c, sizeof(struct sock_filter) * P.filters[i].len);
	}
	if (c.p != c.end)
		die("plan: trailing bytes");
}

/* --------------------------------------------------------- S and Q report */

static void
report(int step, int err, int arg)
{
	struct jm_report r = { step, err, arg };
	ssize_t n;

	do
		n = write(P.report, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
}

static void __attribute__((noreturn))
fail(int step, int arg)
{
	report(step, errno, arg);
	_exit(1);
}

/* ------------------------------------------------------------ Q: session */

struct ksigaction { void *handler; unsigned long flags; void *restorer; uint64_t mask; };

static void __attribute__((noreturn))
session(int ctty)
{
	struct ksigaction dfl = { 0 };
	uint64_t none = 0;
	uint32_t i;
	int sig;

	if (setsid() < 0)
		fail(JM_SETSID, 0);
	if (ctty >= 0 && ioctl(ctty, TIOCSCTTY, 0) < 0)
		fail(JM_CTTY, ctty);
	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none)) < 0)
		fail(JM_SIGNALS, 0);
	/* The jail's filters, last: nothing of ours runs under them but
	 * execve. Needs no_new_privs (or CAP_SYS_ADMIN, which Q has not). */
	for (i = 0; i < P.h.nfilters; i++) {
		struct sock_fprog fp = { (unsigned short)P.filters[i].len, (struct sock_filter *)P.filters[i].prog };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			fail(JM_SECCOMP, (int)i);
	}
	execve(P.path, P.argv, P.envp);
	fail(JM_EXEC, 0);
}

/* --------------------------------------------------------------- S: stage */

static int
ids_stuck(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, have[JM_MAX_GROUPS];
	int n, i;
	uint32_t j;

	if (getresuid(&r, &e, &s) < 0 || r != P.h.uid || e != P.h.uid || s != P.h.uid)
		return 0;
	if (getresgid(&rg, &eg, &sg) < 0 || rg != P.h.gid || eg != P.h.gid || sg != P.h.gid)
		return 0;
	n = getgroups(JM_MAX_GROUPS, have);
	if (n < 0 || (uint32_t)n != P.h.ngroups)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < P.h.ngroups && P.groups[j] != have[i]; j++)
			;
		if (j == P.h.ngroups)
			return 0;
	}
	return 1;
}

static int
no_caps(void)
{
	struct cap_header h = { CAP_V3, 0 };
	struct cap_data d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (d[0].effective | d[1].effective | d[0].permitted | d[1].permitted |
	    d[0].inheritable | d[1].inheritable) == 0;
}

/* enter: steps 1 to 5 of the stage, root until step 5. */
static void
enter(void)
{
	struct cap_header h = { CAP_V3, 0 };
	struct cap_data zero[2] = { { 0 } };
	gid_t hg[JM_MAX_GROUPS];
	uint32_t i;
	int fd;

	/* 1. The LSM exec label, in the host's /proc. */
	if (*P.label_file) {
		size_t n = strlen(P.label_value);

		fd = open(P.label_file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || write(fd, P.label_value, n) != (ssize_t)n)
			fail(JM_LABEL, 0);
		close(fd);
	}
	/* 2. The user's groups as host ids: host root may set them whatever
	 * the jail's namespace's setgroups file says. */
	for (i = 0; i < P.h.nhost_groups; i++)
		hg[i] = P.host_groups[i];
	if (setgroups(P.h.nhost_groups, hg) < 0)
		fail(JM_HOSTGROUPS, 0);
	/* 3. Every namespace but the user namespace, the root, then the user
	 * namespace last (nsenter's order). */
	for (i = 0; i < P.h.nns; i++)
		if (setns(P.ns[i].fd, P.ns[i].type) < 0)
			fail(JM_SETNS, (int)i);
	if (fchdir(P.h.root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		fail(JM_CHROOT, 0);
	if (P.h.userns >= 0 && setns(P.h.userns, CLONE_NEWUSER) < 0)
		fail(JM_SETNS_USER, 0);
	/* 4. */
	for (i = 0; (int)i <= P.h.last_cap && i < 64; i++)
		if (!(P.h.capbnd & (1ULL << i)) &&
		    prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			fail(JM_CAPBSET, (int)i);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail(JM_AMBIENT, 0);
	if (P.h.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(JM_NNP, 0);
	/* 5. Host root is not the jail namespace's root: setresuid alone
	 * would leave its capabilities, so they are cleared by hand. */
	if (setresgid(P.h.gid, P.h.gid, P.h.gid) < 0)
		fail(JM_SETRESGID, 0);
	if (setresuid(P.h.uid, P.h.uid, P.h.uid) < 0)
		fail(JM_SETRESUID, 0);
	if (syscall(SYS_capset, &h, zero) < 0)
		fail(JM_CAPS, 0);
	if (!ids_stuck() || !no_caps()) {
		errno = 0;
		fail(JM_IDS, 0);
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(JM_DUMPABLE, 0);
}

/* session_fds makes 0-2 the session's stdio and 3 the report pipe, and
 * closes everything else: Q holds no fd of the host but these. It returns
 * which of 0-2 is the controlling tty, -1 for none. */
static int
session_fds(void)
{
	int fd, ctty = -1;

	for (fd = 0; fd < 3; fd++)
		if (dup2(P.files[fd], fd) < 0)
			fail(JM_FILES, fd);
	for (fd = 0; fd < 3; fd++)
		if (P.h.tty[fd] && ctty < 0)
			ctty = fd;
	if (P.report != 3) {
		if (dup3(P.report, 3, O_CLOEXEC) < 0)
			fail(JM_FILES, 3);
		P.report = 3;
	}
	if (syscall(SYS_close_range, 4U, ~0U, 0) < 0)
		fail(JM_FILES, -1);
	return ctty;
}

/* proc_number reads the number after key in a file of the host's /proc,
 * or at its start when key is NULL; -1 if unreadable. */
static long
proc_number(const char *path, const char *key)
{
	char buf[4096], *v;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = key ? strstr(buf, key) : buf;
	return v ? strtol(v + (key ? strlen(key) : 0), NULL, 10) : -1;
}

/* hold_session makes P S's tracer, so that Q, forked with CLONE_PTRACE, is
 * P's tracee from birth until its execve: a process can have one tracer,
 * and the jail's root with CAP_SYS_PTRACE (in the host's user namespace:
 * nspawn, privileged LXC, docker --cap-add sys_ptrace) would otherwise stop
 * Q before its first instruction, when Q runs neither under the jail's
 * seccomp filters (installed last) nor its LSM label (given at execve),
 * and make it fork a child free of both for good. It returns the clone
 * flag for Q and sets *by_p when P is the tracer. Two refusals leave Q out
 * of the jail's reach all the same: S traced already (by host root, the
 * only one who could trace jailsh: strace -f) hands Q its tracer; Yama's
 * ptrace_scope 3 lets nobody attach to Q. */
static int
hold_session(int *by_p)
{
	int err;

	*by_p = 0;
	if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0) {
		*by_p = 1;
		return CLONE_PTRACE;
	}
	err = errno;
	if (err == EPERM && proc_number("/proc/self/status", "\nTracerPid:") > 0)
		return CLONE_PTRACE;
	if (err == EPERM && proc_number("/proc/sys/kernel/yama/ptrace_scope", NULL) == 3)
		return 0;
	errno = err;
	fail(JM_HOLD, 0);
}

static void __attribute__((noreturn))
stage(void)
{
	uint32_t i;
	long pid;
	int ctty, held, traced;

	/* Out of the caller's session first: Q is born in S's, and is the
	 * jail's to see (and, with CAP_SYS_PTRACE, to stop) before its own
	 * setsid; born in the caller's, its /dev/tty would be the caller's
	 * terminal (TIOCSTI as the controlling tty, or a dup kept for later). */
	if (setsid() < 0)
		fail(JM_SETSID, 0);
	traced = hold_session(&held);
	enter();
	/* The cgroups now, as the user: the files were opened by root, and
	 * the kernel checks cgroup.procs and tasks writes against the opener
	 * (CVE-2021-4197). A jail frozen since jailsh checked freezes this
	 * process, the user by now, never root; P's deadline ends the login. */
	for (i = 0; i < P.h.ncgroups; i++)
		if (pwrite(P.cgroups[i], "0", 1, 0) != 1)
			fail(JM_CGROUP, (int)i);
	/* 6. As login(1): a missing or unreachable home gives "/". */
	if (chdir(P.home) < 0) {
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
			fail(JM_HOME, 0);
		report(JM_NOTICE_HOME, errno, 0);
		if (chdir("/") < 0)
			fail(JM_HOME, 1);
		if (P.h.home_slot >= 0 && (uint32_t)P.h.home_slot < P.h.nenv)
			P.envp[P.h.home_slot] = "HOME=/";
	}
	ctty = session_fds();
	/* 7. A plain fork into the jail's pid namespace, as P's child. */
	pid = syscall(SYS_clone, CLONE_PARENT | traced, 0, 0, 0, 0);
	if (pid < 0)
		fail(JM_CLONE, 0);
	if (pid == 0)
		session(ctty);
	report(JM_OK, held, (int)pid);
	_exit(0);
}

/* ------------------------------------------------------------- P: errors */

/* errstr says err as jailsh's Go code does (glibc's words, lower case),
 * so that messages read the same whichever side failed. */
static const char *
errstr(int err)
{
	static char b[128];

	switch (err) {
	case ELOOP: return "too many levels of symbolic links";
	case ENOMEM: return "cannot allocate memory";
	case EBUSY: return "device or resource busy";
	}
	snprintf(b, sizeof(b), "%s", strerror(err));
	if (b[0] >= 'A' && b[0] <= 'Z' && !(b[1] >= 'A' && b[1] <= 'Z'))
		b[0] += 'a' - 'A';
	return b;
}

static int
deny_code_confine(int step)
{
	switch (step) {
	case JM_CGROUP: case JM_LABEL: case JM_CAPBSET: case JM_AMBIENT: case JM_NNP: case JM_SECCOMP:
		return 1;
	}
	return 0;
}

static void
describe(char *b, size_t n, int step, int err, int arg)
{
	const char *e = errstr(err), *confine = "cannot confine the session like the jail";

	switch (step) {
	case JM_CGROUP:
		snprintf(b, n, "%s: join the jail's cgroup %s: write(\"0\"): %s", confine,
		    arg >= 0 && (uint32_t)arg < P.h.ncgroups ? P.cgroup_names[arg] : "?", e);
		break;
	case JM_LABEL: snprintf(b, n, "%s: set the exec label (%s): %s", confine, P.label_file, e); break;
	case JM_HOSTGROUPS: snprintf(b, n, "setgroups (host ids): %s", e); break;
	case JM_SETNS:
		snprintf(b, n, "setns(%s of pid %d): %s",
		    arg >= 0 && (uint32_t)arg < P.h.nns ? P.ns[arg].name : "?", P.h.jail_pid, e);
		break;
	case JM_CHROOT: snprintf(b, n, "chroot(jail root): %s", e); break;
	case JM_SETNS_USER: snprintf(b, n, "setns(user of pid %d): %s", P.h.jail_pid, e); break;
	case JM_CAPBSET: snprintf(b, n, "%s: prctl(PR_CAPBSET_DROP, %d): %s", confine, arg, e); break;
	case JM_AMBIENT: snprintf(b, n, "%s: prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", confine, e); break;
	case JM_NNP: snprintf(b, n, "%s: prctl(PR_SET_NO_NEW_PRIVS): %s", confine, e); break;
	case JM_SETRESGID: snprintf(b, n, "setresgid(%u) in the jail's user namespace: %s", P.h.gid, e); break;
	case JM_SETRESUID: snprintf(b, n, "setresuid(%u) in the jail's user namespace: %s", P.h.uid, e); break;
	case JM_CAPS: snprintf(b, n, "capset(none): %s", e); break;
	case JM_IDS:
		snprintf(b, n, "the session's credentials did not stick in the jail's user namespace (uid %u, gid %u, no capability)", P.h.uid, P.h.gid);
		break;
	case JM_DUMPABLE: snprintf(b, n, "prctl(PR_SET_DUMPABLE, 0): %s", e); break;
	case JM_HOME: snprintf(b, n, "chdir(%s) as uid %u: %s", arg ? "/" : P.home, P.h.uid, e); break;
	case JM_CLONE: snprintf(b, n, "fork into the jail's pid namespace: %s", e); break;
	case JM_SETSID: snprintf(b, n, "setsid: %s", e); break;
	case JM_FILES:
		if (arg < 0)
			snprintf(b, n, "close_range(4, ~0) (Linux 5.9 or later): %s", e);
		else
			snprintf(b, n, "the session's fd %d: dup2: %s", arg, e);
		break;
	case JM_CTTY: snprintf(b, n, "ioctl(TIOCSCTTY) on the session's pty: %s", e); break;
	case JM_SIGNALS: snprintf(b, n, "rt_sigprocmask: %s", e); break;
	case JM_SECCOMP: snprintf(b, n, "%s: seccomp(SECCOMP_SET_MODE_FILTER, filter %d of the jail's): %s", confine, arg, e); break;
	case JM_EXEC: snprintf(b, n, "exec %s in the jail as uid %u: %s", P.path, P.h.uid, e); break;
	case JM_DEADLINE:
		snprintf(b, n, "the attach did not finish within %d ms: is the jail frozen (runc pause, lxc-freeze)?", P.h.deadline_ms);
		break;
	case JM_BADPID: snprintf(b, n, "the attach stage reported pid %d, not a child of jailsh", arg); break;
	case JM_NOSESSION:
		if (WIFSIGNALED(arg))
			snprintf(b, n, "the attach stage was killed by signal %d (%s) before it started the session",
			    WTERMSIG(arg), strsignal(WTERMSIG(arg)));
		else
			snprintf(b, n, "the attach stage ended without starting the session");
		break;
	case JM_HOLD: snprintf(b, n, "ptrace(PTRACE_TRACEME) (jailsh traces the session until it executes): %s", e); break;
	default: snprintf(b, n, "attach step %d: %s", step, e);
	}
}

/* quote writes v as a syslog field value, as internal/audit does for
 * anything not plain: in double quotes, \" \\ and \xNN escaped. */
static size_t
quote(char *b, size_t n, const char *v)
{
	size_t o = 0;

	if (n < 8)
		return 0;
	b[o++] = '"';
	for (; *v && o + 6 < n; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch == '"' || ch == '\\')
			o += snprintf(b + o, n - o, "\\%c", ch);
		else if (ch < ' ' || ch >= 0x7f)
			o += snprintf(b + o, n - o, "\\x%02x", ch);
		else
			b[o++] = ch;
	}
	b[o++] = '"';
	b[o] = '\0';
	return o;
}

/* refuse prints the reason, logs jailsh's deny line with it, and exits 1:
 * the allow line is already out, so the log says the session never ran. */
static void __attribute__((noreturn))
refuse(int step, int err, int arg)
{
	char why[1024];

	describe(why, sizeof(why), step, err, arg);
	dprintf(2, "jailsh: denied: jail %s: %s\n", P.jail, why);
	log_deny(deny_code_confine(step) ? "confine" : "attach", why);
	_exit(1);
}

/* log_deny sends jailsh's deny line with code and why, once the plan gave
 * the socket and the line's prefix, and until P closes the socket when the
 * session executed. */
static void
log_deny(const char *code, const char *why)
{
	char line[4096], full[1100];
	size_t o;

	if (P.h.log_fd < 0 || P.log_prefix == NULL || P.jail == NULL)
		return;
	o = snprintf(line, sizeof(line), "%s code=%s reason=", P.log_prefix, code);
	if (o >= sizeof(line) - 1)
		return;
	snprintf(full, sizeof(full), "jail %s: %s", P.jail, why);
	o += quote(line + o, sizeof(line) - o - 1, full);
	if (write(P.h.log_fd, line, o + (P.h.log_stream ? 1 : 0)) < 0)
		dprintf(2, "jailsh: syslog: %s\n", strerror(errno));
}

/* ---------------------------------------------------------- P: the start */

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* is_child says whether pid is a child of this process: a report can come
 * from Q too (it holds the pipe until it executes), and Q is the jail's to
 * trace, so the pid it names is checked, not trusted. */
static int
is_child(int pid)
{
	char path[64], buf[512], *p;
	int fd, ppid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p, ") %*c %d", &ppid) != 1)
		return 0;
	return ppid == getpid();
}

/* passed_on is what a tracee of P's (S, or Q until it executes) gets of
 * the signal it stopped with: job-control stops are dropped (the user must
 * not hold the attach, and a tracee re-sent one would report a group stop),
 * every other signal is delivered as it would be untraced. */
static int
passed_on(int sig)
{
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
		return 0;
	return sig;
}

/* Q's status when it ended before it executed without a report (killed). */
static int q_ended, q_status;

/* release handles the stops of Q, P's tracee (hold_session), until its
 * execve: the first (the SIGSTOP CLONE_PTRACE queues) sets the options,
 * other signals go on (passed_on); at the exec event, the user's
 * program under the jail's label and filters, P lets go. It returns 1 once
 * Q executed or ended. */
static int
release(int q, int *first)
{
	int st, sig;

	while (waitpid(q, &st, __WALL | WNOHANG) == q) {
		if (!WIFSTOPPED(st)) {
			q_ended = 1;
			q_status = st;
			return 1;
		}
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
			ptrace(PTRACE_DETACH, q, 0, 0);
			return 1;
		}
		sig = WSTOPSIG(st);
		if (*first) {
			*first = 0;
			sig = 0;
			/* EXITKILL: P gone, Q never executes untraced. */
			if (ptrace(PTRACE_SETOPTIONS, q, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) < 0)
				die("ptrace(PTRACE_SETOPTIONS) of the session");
		}
		ptrace(PTRACE_CONT, q, 0, passed_on(sig));
	}
	return 0;
}

/* S's end, once stage_stops reaped it. */
static int s_ended, s_status;

/* stage_stops handles the stops of S, P's tracee since hold_session: a
 * signal to S (the user's kill: S's real uid is theirs) stops it for P, and
 * left stopped it held the login until the deadline, then blamed a frozen
 * jail. Signals go on as for Q (passed_on). Once S ended, s_ended and
 * s_status say how. */
static void
stage_stops(int s)
{
	int st;

	while (!s_ended && waitpid(s, &st, WNOHANG) == s) {
		if (!WIFSTOPPED(st)) {
			s_ended = 1;
			s_status = st;
			return;
		}
		ptrace(PTRACE_CONT, s, 0, passed_on(WSTOPSIG(st)));
	}
}

/* reap_killed waits for pid, SIGKILLed, at most a second: a process in a
 * cgroup v1 freezer does not die until thawed, and P must still refuse in
 * bounded time (its own exit leaves it to init; Q dies with P, EXITKILL). */
static void
reap_killed(int pid, int flags)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, flags | WNOHANG) != 0)
			return;
		usleep(10000);
	}
}

/* orphan_gone kills and reaps P's children: once S ended without naming
 * Q, any child left is a Q that S forked just before it was killed, held
 * stopped for P (its tracee) and holding the report pipe open; it never
 * executes. */
static void
orphan_gone(void)
{
	char path[64], buf[256], *p, *end;
	int fd, pid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; (pid = (int)strtol(p, &end, 10)) > 0; p = end) {
		kill(pid, SIGKILL);
		reap_killed(pid, __WALL);
	}
}

/* start forks S and reads its reports (and Q's, until Q executes) until the
 * pipe closes and Q executed, or the deadline passes; it returns Q's pid or
 * refuses. chld is a signalfd for SIGCHLD: Q's stops while P holds it. */
static int
start(int rep[2], int chld)
{
	struct jm_report r;
	struct signalfd_siginfo si;
	struct pollfd pf[2];
	long deadline = now_ms() + P.h.deadline_ms, left;
	int s, q = 0, bad = 0, st, k, open = 1, released = 0, first = 1, unread;
	ssize_t n;

	/* A plain fork: S shares no memory with P, which is root. */
	s = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (s < 0)
		die("fork the attach stage");
	if (s == 0) {
		close(rep[0]);
		P.report = rep[1];
		stage();
	}
	close(rep[1]);
	for (;;) {
		stage_stops(s);
		/* S killed between forking Q and its report: the pipe stays open
		 * (Q holds it, stopped for P, which does not know its pid), and
		 * the login waited for the deadline, blaming a frozen jail. */
		if (s_ended && q == 0 && open && ioctl(rep[0], FIONREAD, &unread) == 0 && unread == 0) {
			orphan_gone();
			refuse(JM_NOSESSION, 0, s_status);
		}
		if (q > 0 && !released)
			released = release(q, &first);
		if (!open && (q == 0 || released))
			break;
		left = deadline - now_ms();
		pf[0].fd = open ? rep[0] : -1;
		pf[0].events = POLLIN;
		pf[1].fd = chld;
		pf[1].events = POLLIN;
		k = left > 0 ? poll(pf, 2, (int)left) : 0;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("poll");
		if (k == 0) {
			if (q > 0 && !q_ended)
				kill(q, SIGKILL);
			if (!s_ended)
				kill(s, SIGKILL);
			refuse(JM_DEADLINE, 0, 0);
		}
		if (pf[1].revents & POLLIN)
			read(chld, &si, sizeof(si));
		if (!(pf[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(rep[0], &r, sizeof(r));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			open = 0;
			continue;
		}
		if (n != sizeof(r))
			die("read the attach stage's report");
		if (r.step == JM_OK) {
			if (q == 0 && r.arg > 0 && r.arg != s && is_child(r.arg)) {
				q = r.arg;
				released = !r.err;
			} else if (!bad) {
				bad = JM_BADPID, r.err = 0, st = r.arg;
			}
		} else if (r.step == JM_NOTICE_HOME) {
			dprintf(2, "jailsh: no home directory %s, logging in with HOME=/\n", P.home);
		} else if (!bad) {
			bad = r.step;
			st = r.arg;
		}
		if (bad) {
			/* Q reaped by release: its pid may be another's now. */
			if (q > 0 && !q_ended)
				kill(q, SIGKILL);
			if (!s_ended) {
				kill(s, SIGKILL);
				reap_killed(s, 0);
			}
			if (q > 0 && !q_ended)
				reap_killed(q, __WALL);
			refuse(bad, r.err, st);
		}
	}
	close(rep[0]);
	/* The pipe closed: S exited (no ptrace stop comes after its files
	 * are closed). */
	while (!s_ended && waitpid(s, &s_status, 0) < 0 && errno == EINTR)
		;
	if (q == 0)
		refuse(JM_NOSESSION, 0, s_status);
	return q;
}

/* drop makes P the user's host ids: it only relays from now on. */
static void
drop(void)
{
	gid_t hg[JM_MAX_GROUPS];
	uid_t r, e, s;
	uint32_t i;

	for (i = 0; i < P.h.nhost_groups; i++)
		hg[i] = P.host_groups[i];
	if (setgroups(P.h.nhost_groups, hg) < 0)
		die("setgroups (host ids)");
	if (setresgid(P.h.host_gid, P.h.host_gid, P.h.host_gid) < 0)
		die("setresgid (host gid)");
	if (setresuid(P.h.host_uid, P.h.host_uid, P.h.host_uid) < 0)
		die("setresuid (host uid)");
	if (getresuid(&r, &e, &s) < 0 || r != P.h.host_uid || e != r || s != r)
		die("the uid did not stick");
	/* The uid change reset dumpable to fs.suid_dumpable. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("prctl(PR_SET_DUMPABLE, 0)");
}

/* ---------------------------------------------------------- P: the relay */

/* A pump copies src to dst. dst_ours: dst is a pipe or pty master of ours,
 * non-blocking, so a session that does not read never stops the others. */
struct pump {
	int src, dst, dst_ours, done, input;
	char buf[4096];
	size_t off, len;
};

static struct pump pumps[3];
static int npumps;
static struct termios saved;
static int have_saved;

static void
raw(void)
{
	struct termios t;

	if (P.h.master < 0 || !P.h.tty[0] || tcgetattr(0, &t) < 0)
		return;
	if (!have_saved) {
		saved = t;
		have_saved = 1;
	}
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSADRAIN, &t);
}

static void
restore(void)
{
	if (have_saved)
		tcsetattr(0, TCSADRAIN, &saved);
}

static void
resize(void)
{
	struct winsize ws;

	if (P.h.master >= 0 && ioctl(P.h.out, TIOCGWINSZ, &ws) == 0)
		ioctl(P.h.master, TIOCSWINSZ, &ws);
}

static void
pump_end(struct pump *p)
{
	struct termios t;

	p->done = 1;
	if (!p->input)
		return;
	if (p->dst == P.h.master) {
		/* At end of input the pty's EOF character, once, as su --pty. */
		if (tcgetattr(p->dst, &t) == 0)
			write(p->dst, &t.c_cc[VEOF], 1);
	} else {
		close(p->dst);
	}
}

/* flush writes what the pump holds; 0 when dst would block. */
static int
flush(struct pump *p)
{
	ssize_t n;

	while (p->len > 0) {
		n = write(p->dst, p->buf + p->off, p->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			p->len = 0;
			pump_end(p);
			if (!p->input)
				close(p->src); /* the session gets SIGPIPE, as it would */
			return 1;
		}
		p->off += n;
		p->len -= n;
	}
	p->off = 0;
	return 1;
}

static void
fill(struct pump *p)
{
	ssize_t n = read(p->src, p->buf, sizeof(p->buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		pump_end(p);
		return;
	}
	p->off = 0;
	p->len = n;
	flush(p);
}

/* drain takes what the session left in its output once it has exited;
 * its background jobs may still hold the other end: not waited for. */
static void
drain(void)
{
	int i, k;

	for (i = 0; i < npumps; i++) {
		struct pump *p = &pumps[i];

		if (p->input || p->done)
			continue;
		fcntl(p->src, F_SETFL, fcntl(p->src, F_GETFL) | O_NONBLOCK);
		for (k = 0; k < 1024 && !p->done; k++) {
			if (p->len == 0) {
				ssize_t n = read(p->src, p->buf, sizeof(p->buf));

				if (n <= 0)
					break;
				p->off = 0;
				p->len = n;
			}
			flush(p);
		}
	}
	restore();
}

static void __attribute__((noreturn))
finish(int status)
{
	struct sigaction dfl = { 0 };
	sigset_t set;
	int sig;

	drain();
	if (!WIFSIGNALED(status))
		_exit(WEXITSTATUS(status));
	/* Die of the same signal, as nsenter does: the caller's shell sees it. */
	sig = WTERMSIG(status);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void
add_pump(int src, int dst, int dst_ours, int input)
{
	struct pump *p = &pumps[npumps++];

	p->src = src;
	p->dst = dst;
	p->dst_ours = dst_ours;
	p->input = input;
	if (dst_ours)
		fcntl(dst, F_SETFL, fcntl(dst, F_GETFL) | O_NONBLOCK);
}

/* on_child handles Q's stops and its end. */
static void
on_child(int q, int target)
{
	int st;

	while (waitpid(q, &st, WNOHANG | WUNTRACED) == q) {
		if (!WIFSTOPPED(st))
			finish(st);
		/* The session stopped (^Z without a pty, SIGSTOP): so does
		 * jailsh, so the caller's shell sees the job stop; continued, it
		 * continues the session. */
		restore();
		kill(getpid(), SIGSTOP);
		raw();
		resize();
		kill(target, SIGCONT);
	}
}

static void __attribute__((noreturn))
relay(int q, int sigfd)
{
	struct pollfd pf[4];
	struct signalfd_siginfo si;
	int i, n, target = P.h.master >= 0 ? q : -q;

	raw();
	/* Q may have ended already: once it executed, start goes on until S
	 * closes the pipe, reading SIGCHLDs from its own signalfd, so Q's may
	 * be gone before this loop waits for one (a short session with a slow
	 * S hung here with Q a zombie). */
	on_child(q, target);
	for (;;) {
		n = 0;
		pf[n].fd = sigfd;
		pf[n++].events = POLLIN;
		for (i = 0; i < npumps; i++) {
			struct pump *p = &pumps[i];

			pf[n].fd = -1;
			pf[n].events = 0;
			if (!p->done && p->len == 0) {
				pf[n].fd = p->src;
				pf[n].events = POLLIN;
			} else if (!p->done) {
				pf[n].fd = p->dst;
				pf[n].events = POLLOUT;
			}
			n++;
		}
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < npumps; i++) {
			struct pump *p = &pumps[i];

			if (pf[i + 1].revents == 0 || p->done)
				continue;
			if (p->len == 0)
				fill(p);
			else if (!flush(p) && (pf[i + 1].revents & (POLLERR | POLLHUP)))
				p->len = 0, pump_end(p);
		}
		if (!(pf[0].revents & POLLIN))
			continue;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGCHLD:
			on_child(q, target);
			break;
		case SIGWINCH:
			resize();
			break;
		case SIGTSTP:
			/* Without a pty the session's group is orphaned and the
			 * kernel drops SIGTSTP: a stop it cannot ignore. */
			kill(target, P.h.master >= 0 ? SIGTSTP : SIGSTOP);
			break;
		default:
			kill(target, si.ssi_signo);
		}
	}
}

/* ------------------------------------------------------------------ main */

static const int relayed[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
	SIGTSTP, SIGCONT, SIGWINCH, SIGCHLD };

int
main(int argc, char **argv)
{
	sigset_t set;
	int rep[2], pipes[3][2], sigfd, chld, q, fd;
	uint32_t i;
	char *end;
	long planfd;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "jailsh", 0, 0, 0);
	/* Only jailsh, as root, runs this image with a plan. A re-exec by the
	 * session (/proc/self/exe) is the user with no_new_privs: nothing to
	 * gain, nothing done. */
	if (geteuid() != 0 || argc != 2) {
		dprintf(2, "jailsh: this program runs only from jailsh\n");
		return 126;
	}
	planfd = strtol(argv[1], &end, 10);
	if (*end || planfd < 3 || planfd > 1 << 20)
		die("usage: jailsh-attach PLANFD");
	load((int)planfd);

	/* Default dispositions first: a caller's SIG_IGN would discard the
	 * signal before signalfd sees it (an ignored SIGCHLD even reaps the
	 * session for us, and its status would be lost). */
	sigemptyset(&set);
	for (i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++)
		sigaddset(&set, relayed[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask");
	for (i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++)
		signal(relayed[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	chld = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0 || chld < 0)
		die("signalfd");

	/* The session's fds 0-2: the pty's slave for a terminal, else a pipe
	 * P relays, never the caller's file itself (issue 27 item 3). */
	for (fd = 0; fd < 3; fd++) {
		if (P.h.tty[fd]) {
			P.files[fd] = P.h.slave;
			continue;
		}
		if (pipe2(pipes[fd], O_CLOEXEC) < 0)
			die("pipe");
		if (fd == 0) {
			P.files[fd] = pipes[fd][0];
			add_pump(0, pipes[fd][1], 1, 1);
		} else {
			P.files[fd] = pipes[fd][1];
			add_pump(pipes[fd][0], fd, 0, 0);
		}
	}
	if (P.h.master >= 0) {
		if (P.h.tty[0])
			add_pump(0, P.h.master, 1, 1);
		add_pump(P.h.master, P.h.out, 0, 0);
	}
	if (pipe2(rep, O_CLOEXEC) < 0)
		die("pipe");

	q = start(rep, chld);
	close(chld);

	/* Q executed: P needs nothing of the jail's or root's any more. */
	for (i = 0; i < P.h.nns; i++)
		close(P.ns[i].fd);
	for (i = 0; i < P.h.ncgroups; i++)
		close(P.cgroups[i]);
	close(P.h.root);
	if (P.h.userns >= 0)
		close(P.h.userns);
	if (P.h.log_fd >= 0)
		close(P.h.log_fd);
	P.h.log_fd = -1;	/* the session ran: no deny line from here on */
	for (fd = 0; fd < 3; fd++)
		if (P.files[fd] != P.h.slave)
			close(P.files[fd]);
	if (P.h.slave >= 0)
		close(P.h.slave);
	drop();
	if (q_ended)
		finish(q_status);
	relay(q, sigfd);
}
