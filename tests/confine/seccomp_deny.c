/* seccomp_deny [--notif] PROG ARG...: installs, without no_new_privs (the
 * caller is root), the filters a container runtime would give a jail's
 * init, then executes PROG, which inherits them (tests/confine.sh):
 *   1. keyctl -> EACCES
 *   2. keyctl -> EPERM, unshare -> EPERM
 * Both filters return ERRNO for keyctl: the kernel takes the most recently
 * installed one's errno, so a copy installed in the wrong order says
 * EACCES where the init gets EPERM. With --notif a third filter hands
 * getppid to a user-space supervisor (SECCOMP_RET_USER_NOTIF), which a
 * session cannot be given. Everything else is allowed. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define ARCH_OK \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)), \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define DENY(nr, ret) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, (ret))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int
install(struct sock_filter *f, unsigned short n)
{
	struct sock_fprog prog = { .len = n, .filter = f };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("seccomp(SECCOMP_SET_MODE_FILTER)");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sock_filter one[] = {
		ARCH_OK, LOAD_NR,
		DENY(SYS_keyctl, SECCOMP_RET_ERRNO | EACCES),
		ALLOW,
	};
	struct sock_filter two[] = {
		ARCH_OK, LOAD_NR,
		DENY(SYS_keyctl, SECCOMP_RET_ERRNO | EPERM),
		DENY(SYS_unshare, SECCOMP_RET_ERRNO | EPERM),
		ALLOW,
	};
	struct sock_filter notif[] = {
		ARCH_OK, LOAD_NR,
		DENY(SYS_getppid, SECCOMP_RET_USER_NOTIF),
		ALLOW,
	};
	int arg = 1;

	if (argc > 1 && strcmp(argv[1], "--notif") == 0)
		arg++;
	if (argc <= arg) {
		fprintf(stderr, "usage: seccomp_deny [--notif] PROG [ARG...]\n");
		return 2;
	}
	if (install(one, sizeof one / sizeof one[0]) < 0 || install(two, sizeof two / sizeof two[0]) < 0)
		return 126;
	if (arg == 2 && install(notif, sizeof notif / sizeof notif[0]) < 0)
		return 126;
	execvp(argv[arg], argv + arg);
	perror(argv[arg]);
	return 127;
}
