//go:build linux

/*
 * The attach stage: how jailsh enters every Linux jail.
 *
 * The kernel lets only a single-threaded process with an fs_struct of its
 * own join a user namespace (setns(CLONE_NEWUSER) fails with EINVAL
 * otherwise), and a Go program is never single-threaded; and a session
 * forked by Go's ForkExec (CLONE_VM|CLONE_VFORK) would share memory with
 * a root process while the jail can see it. The stage is a
 * plain fork of jailsh, made by jm_stage_start from the Go parent after
 * everything was located, pinned, checked and opened: a fork has one
 * thread and, without CLONE_FS, a copy of the fs_struct. It is not a
 * re-exec (runc's nsexec reaches the same state through a C constructor in
 * a fresh process driven over an inherited pipe): nothing new is executed,
 * so there is no entry point a caller could reach with forged arguments,
 * environment or fds. The plan is in memory the parent filled in before
 * the fork.
 *
 * Between the fork and exec only system calls run: the child of a
 * multithreaded process may not take a lock another thread held (malloc,
 * stdio, glibc's setxid broadcast), so the credential calls are raw
 * syscall(2)s, and the Go runtime is never entered again (its signal
 * handlers are reset first, with every signal blocked since before the
 * fork).
 *
 * In order, compared line by line with util-linux nsenter.c (which joins
 * the namespaces owned by its own user namespace first, then the user
 * namespace, then sets ids inside):
 *   1. cgroups and the LSM exec label, as host root in the host's cgroup
 *      and mount namespaces: the stage moves itself ("0" to cgroup.procs),
 *      so the session is born in the jail's cgroups and jailsh never is;
 *   2. the user's supplementary groups, as host ids (the Go parent mapped
 *      them through the init's gid_map): joining a user namespace keeps
 *      the groups, and host root may set them whatever the namespace's
 *      setgroups file says;
 *   3. every namespace but the user namespace (host root may join them
 *      all), the jail's root (fchdir + chroot, as jexec(8) and nsenter -r),
 *      then, for a jail that has one, the user namespace last: that gives
 *      every capability in the jail's namespace and a full bounding set;
 *   4. the init's bounding set, no ambient capabilities, no_new_privs;
 *   5. setresgid, setresuid to the ids inside, then every capability
 *      cleared explicitly: setresuid drops them only for a process that
 *      was the namespace's root, and host root is not (its uid is not
 *      mapped there); read back, dumpable 0;
 *   6. the home directory, as the user;
 *   7. clone(CLONE_PARENT|CLONE_VM|CLONE_VFORK): the session is born in
 *      the jail's pid namespace as a child of jailsh, which waits for it
 *      and relays; once it executed, the stage reports its pid and exits.
 *      The session's very last step before execve is the init's seccomp
 *      filters (install_seccomp).
 *
 * What the jail can see: only the session (step 7), which until it
 * executes is still this program, but as the user, with no capability,
 * not dumpable, in an address space shared only with the stage, which is
 * the user too by then (never with root), and whose user namespace is the
 * host's. /proc/PID/exe, /proc/PID/fd and
 * ptrace need ptrace_may_access(), which for a non-dumpable process
 * demands CAP_SYS_PTRACE in that address space's user namespace: the
 * host's, which no process of a jail with a user namespace of its own
 * has (and which jails sharing ours must not have: confine_linux.go).
 * The stage itself, root until step 5, never is in the jail's pid
 * namespace.
 *
 * Every failure is reported to the parent as (step, errno, arg) and the
 * stage or the session exits; nothing of the jail's runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/seccomp.h>

#include "stage_linux.h"

/* 32-bit ids: the plain calls take 16-bit ones on i386 and arm. */
#ifdef SYS_setresuid32
#define JM_SYS_SETGROUPS SYS_setgroups32
#define JM_SYS_GETGROUPS SYS_getgroups32
#define JM_SYS_SETRESUID SYS_setresuid32
#define JM_SYS_SETRESGID SYS_setresgid32
#define JM_SYS_GETRESUID SYS_getresuid32
#define JM_SYS_GETRESGID SYS_getresgid32
#else
#define JM_SYS_SETGROUPS SYS_setgroups
#define JM_SYS_GETGROUPS SYS_getgroups
#define JM_SYS_SETRESUID SYS_setresuid
#define JM_SYS_SETRESGID SYS_setresgid
#define JM_SYS_GETRESUID SYS_getresuid
#define JM_SYS_GETRESGID SYS_getresgid
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The kernel's struct sigaction for rt_sigaction(2): glibc's wrapper
 * refuses the two signals it reserves, for which Go may have handlers. */
struct jm_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static void
report(const struct jm_plan *p, int step, int err, int arg)
{
	struct jm_report r = { step, err, arg };
	ssize_t n;

	do
		n = write(p->report, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
}

static void __attribute__((noreturn))
fail(const struct jm_plan *p, int step, int arg)
{
	report(p, step, errno, arg);
	_exit(1);
}

/* ids reads back what step 5 set, as the jail's namespace shows it. */
static int
ids_stuck(const struct jm_plan *p)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, have[JM_MAX_GROUPS];
	long n;
	int i, j;

	if (syscall(JM_SYS_GETRESUID, &r, &e, &s) < 0 || r != p->uid || e != p->uid || s != p->uid)
		return 0;
	if (syscall(JM_SYS_GETRESGID, &rg, &eg, &sg) < 0 || rg != p->gid || eg != p->gid || sg != p->gid)
		return 0;
	n = syscall(JM_SYS_GETGROUPS, JM_MAX_GROUPS, have);
	if (n < 0 || n != p->ngroups)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < p->ngroups && p->groups[j] != have[i]; j++)
			;
		if (j == p->ngroups)
			return 0;
	}
	return 1;
}

static int
no_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return (d[0].effective | d[1].effective | d[0].permitted | d[1].permitted |
	    d[0].inheritable | d[1].inheritable) == 0;
}

/*
 * install_seccomp gives the session the jail init's seccomp filters, copied
 * from the init by the Go parent (internal/seccomp), oldest first, as the
 * init has them: the kernel runs every filter and, for equal actions, takes
 * the most recently installed one's errno, so the order is the init's.
 * It is the last step before execve, after no_new_privs (step 4), which
 * lets a process without CAP_SYS_ADMIN install a filter: from here on
 * nothing of ours depends on what the filter makes of a system call (runc
 * installs last for the same reason). A filter that refuses seccomp(2)
 * itself, or execve, fails the session (reported if write(2) is allowed,
 * else the session exits). Returns -1, or the index of the filter the
 * kernel refused.
 */
static int
install_seccomp(const struct jm_plan *p)
{
	int i;

	for (i = 0; i < p->nseccomp; i++)
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->seccomp[i]) < 0)
			return i;
	return -1;
}

/* session runs in the jail's pid namespace: a session of its own, fds 0-2,
 * the controlling tty, nothing else open, signals as a new program expects,
 * exec. */
static void __attribute__((noreturn))
session(const struct jm_plan *p)
{
	uint64_t none = 0;
	int fd, bad;

	if (setsid() < 0)
		fail(p, JM_SETSID, 0);
	for (fd = 0; fd < 3; fd++) {
		if (p->files[fd] != fd) {
			if (dup2(p->files[fd], fd) < 0)
				fail(p, JM_FILES, fd);
		} else if (fcntl(fd, F_SETFD, 0) < 0) {
			fail(p, JM_FILES, fd);
		}
	}
	if (p->ctty >= 0 && ioctl(p->ctty, TIOCSCTTY, 0) < 0)
		fail(p, JM_CTTY, p->ctty);
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		fail(p, JM_FILES, -1);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none)) < 0)
		fail(p, JM_SIGNALS, 0);
	if ((bad = install_seccomp(p)) >= 0)
		fail(p, JM_SECCOMP, bad);
	execve(p->path, p->argv, p->envp);
	fail(p, JM_EXEC, 0);
}

static int
session_entry(void *arg)
{
	session(arg);
}

static void __attribute__((noreturn))
stage(struct jm_plan *p)
{
	struct jm_ksigaction dfl;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct zero[2];
	long pid;
	int i, fd;

	/* The Go runtime's handlers must never run here. */
	memset(&dfl, 0, sizeof(dfl));
	for (i = 1; i <= 64; i++)
		if (i != SIGKILL && i != SIGSTOP)
			syscall(SYS_rt_sigaction, i, &dfl, NULL, sizeof(uint64_t));

	/* 1. */
	for (i = 0; i < p->ncgroups; i++)
		if (pwrite(p->cgroups[i], "0", 1, 0) != 1)
			fail(p, JM_CGROUP, i);
	if (p->label_file != NULL) {
		fd = open(p->label_file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || write(fd, p->label_value, p->label_len) != p->label_len)
			fail(p, JM_LABEL, 0);
		close(fd);
	}

	/* 2. */
	if (syscall(JM_SYS_SETGROUPS, p->nhost_groups, p->host_groups) < 0)
		fail(p, JM_HOSTGROUPS, 0);

	/* 3. */
	for (i = 0; i < p->nns; i++)
		if (setns(p->ns_fds[i], p->ns_types[i]) < 0)
			fail(p, JM_SETNS, i);
	if (fchdir(p->root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		fail(p, JM_CHROOT, 0);
	if (p->userns >= 0 && setns(p->userns, CLONE_NEWUSER) < 0)
		fail(p, JM_SETNS_USER, 0);

	/* 4. */
	for (i = 0; i <= p->last_cap && i < 64; i++)
		if (!(p->capbnd & (1ULL << i)) &&
		    prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			fail(p, JM_CAPBSET, i);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail(p, JM_AMBIENT, 0);
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(p, JM_NNP, 0);

	/* 5. */
	if (syscall(JM_SYS_SETRESGID, p->gid, p->gid, p->gid) < 0)
		fail(p, JM_SETRESGID, 0);
	if (syscall(JM_SYS_SETRESUID, p->uid, p->uid, p->uid) < 0)
		fail(p, JM_SETRESUID, 0);
	memset(zero, 0, sizeof(zero));
	if (syscall(SYS_capset, &h, zero) < 0)
		fail(p, JM_CAPS, 0);
	if (!ids_stuck(p) || !no_caps()) {
		errno = 0;
		fail(p, JM_IDS, 0);
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(p, JM_DUMPABLE, 0);

	/* 6. As login(1): a missing or unreachable home gives "/". */
	if (chdir(p->home) < 0) {
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
			fail(p, JM_HOME, 0);
		report(p, JM_NOTICE_HOME, errno, 0);
		if (chdir("/") < 0)
			fail(p, JM_HOME, 1);
		if (p->home_slot >= 0)
			p->envp[p->home_slot] = p->home_fallback;
	}

	/* 7. CLONE_PARENT: the exit signal is the stage's own, SIGCHLD.
	 * CLONE_VM|CLONE_VFORK as posix_spawn: the session borrows the
	 * stage's memory, on a stack of its own, until it executes, and the
	 * stage waits for that. A second copy of jailsh's address space cost
	 * 1 to 3 ms; sharing it is safe because the stage is now the user,
	 * with no capability, not dumpable, and in the host's pid namespace. */
	pid = clone(session_entry, (char *)p->stack + p->stack_size,
	    CLONE_VM | CLONE_VFORK | CLONE_PARENT, p);
	if (pid < 0)
		fail(p, JM_CLONE, 0);
	report(p, JM_OK, 0, (int)pid);
	_exit(0);
}

long
jm_stage_start(struct jm_plan *p)
{
	sigset_t all, old;
	long pid;
	int err;

	/* No signal handler may run in the child before stage() reset them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		stage(p);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -err : pid;
}
