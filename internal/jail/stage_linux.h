/*
 * The attach stage: a single-threaded process forked from jailsh that
 * enters a jail, drops to the user and forks the session (stage_linux.c).
 */
#ifndef JAILME_STAGE_H
#define JAILME_STAGE_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

/* What a report says: the step that failed, or JM_OK with the session's
 * pid, or a notice. */
enum jm_step {
	JM_OK = 1,        /* arg: the session's pid */
	JM_NOTICE_HOME,   /* not a failure: no home directory, HOME=/ */
	JM_CGROUP,        /* arg: index into cgroups */
	JM_LABEL,
	JM_HOSTGROUPS,
	JM_SETNS,         /* arg: index into ns_fds */
	JM_CHROOT,
	JM_SETNS_USER,
	JM_CAPBSET,       /* arg: the capability */
	JM_AMBIENT,
	JM_NNP,
	JM_SETRESGID,
	JM_SETRESUID,
	JM_CAPS,
	JM_IDS,           /* errno 0: the ids read back are not the ones set */
	JM_DUMPABLE,
	JM_HOME,
	JM_CLONE,
	JM_SETSID,
	JM_FILES,         /* arg: the fd */
	JM_CTTY,
	JM_SIGNALS,
	JM_SECCOMP,       /* arg: index into seccomp */
	JM_EXEC,
};

/* The most supplementary groups a session in a jail with a user namespace
 * of its own may have (the stage reads them back into an array this big). */
#define JM_MAX_GROUPS 1024

struct jm_report {
	int32_t step;
	int32_t err;      /* errno */
	int32_t arg;
};

struct jm_plan {
	int report;                /* write end of the report pipe (O_CLOEXEC) */

	const int *cgroups;        /* cgroup.procs of the init's cgroups, opened as root */
	int ncgroups;
	const char *label_file;    /* LSM exec label: NULL for none */
	const char *label_value;
	int label_len;

	const gid_t *host_groups;  /* the user's groups as host ids */
	int nhost_groups;
	const int *ns_fds;         /* every namespace but the user namespace, in order */
	const int *ns_types;
	int nns;
	int root;                  /* /proc/PID/root of the init */
	int userns;                /* -1: the jail shares ours */

	uint64_t capbnd;           /* the init's bounding set */
	int last_cap;
	int no_new_privs;

	uid_t uid;                 /* ids inside the jail */
	gid_t gid;
	const gid_t *groups;
	int ngroups;
	const char *home;

	const char *path;
	char *const *argv;
	char **envp;
	int home_slot;             /* index of HOME= in envp, -1 if none */
	char *home_fallback;       /* "HOME=/" */
	int files[3];              /* the session's fds 0-2 (each is its index or >= 3) */
	int ctty;                  /* which of 0-2 becomes the controlling tty, -1 none */
	const struct sock_fprog *seccomp; /* the init's filters, oldest first */
	int nseccomp;
	void *stack;               /* the session's stack until it executes */
	size_t stack_size;
};

/* jm_stage_start forks the stage; it returns its pid or -errno. */
long jm_stage_start(struct jm_plan *p);

#endif
