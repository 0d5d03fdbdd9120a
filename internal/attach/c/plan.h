/* The plan jailsh (internal/jail/stage_linux.go) hands the attach helper
 * (attach.c) on a memfd, and the reports the stage and the session send
 * back. Native byte order: written and read on the same machine. */
#ifndef JAILME_ATTACH_PLAN_H
#define JAILME_ATTACH_PLAN_H

#include <stdint.h>

#define JM_PLAN_MAGIC 0x6a6d6174u /* "jmat" */
#define JM_PLAN_MAX (16 << 20)
#define JM_MAX_GROUPS 1024

/* What a report says: the step that failed, or JM_OK with Q's pid. */
enum {
	JM_OK = 1,        /* arg: the session's pid; err: 1 when P traces it */
	JM_NOTICE_HOME,   /* not a failure: no home directory, HOME=/ */
	JM_CGROUP,        /* arg: index into cgroups */
	JM_LABEL,
	JM_HOSTGROUPS,
	JM_SETNS,         /* arg: index into ns */
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
	JM_SECCOMP,       /* arg: index into filters */
	JM_EXEC,
	/* P's own */
	JM_DEADLINE,
	JM_BADPID,
	JM_NOSESSION,
	JM_HOLD,          /* S's own, numbered last */
};

struct jm_report {
	int32_t step;
	int32_t err;      /* errno */
	int32_t arg;
};

/* The plan's header; then, in order: groups[ngroups] (u32, ids inside),
 * host_groups[nhost_groups] (u32), cgroups[ncgroups] (i32 fds),
 * nns × (i32 fd, i32 CLONE_NEW*, string name), ncgroups × string name,
 * strings jail, label_file, label_value, home, path, log_prefix,
 * nargv strings, nenv strings, nfilters × (u32 n, n × struct sock_filter).
 * A string is u32 length, the bytes, a NUL, padded to 4 bytes. */
struct jm_plan_hdr {
	uint32_t magic, size;
	uint32_t uid, gid;           /* inside the jail */
	uint32_t host_uid, host_gid; /* P waits as these */
	int32_t jail_pid;            /* for messages */
	int32_t root, userns;        /* fds; userns -1: the jail shares ours */
	int32_t tty[3];              /* caller's fd i is a terminal: the slave */
	int32_t master, slave, out;  /* the pty, -1 without; out: where its output goes */
	int32_t log_fd, log_stream;  /* syslog socket connected by jailsh, -1 none */
	int32_t nnp;
	int32_t last_cap;
	int32_t home_slot;           /* index of HOME= in env, -1 */
	int32_t deadline_ms;         /* for S to have started Q */
	int32_t pad0;
	uint64_t capbnd;
	uint32_t ngroups, nhost_groups, nns, ncgroups, nargv, nenv, nfilters;
	uint32_t pad;
};

#endif
