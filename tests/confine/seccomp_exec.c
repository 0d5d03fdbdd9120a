/* seccomp_exec PROG ARG...: installs a seccomp filter that allows every
 * system call, without no_new_privs (the caller is root: CAP_SYS_ADMIN lets
 * it), then executes PROG. Everything PROG starts inherits the filter, so a
 * jail started under it has an init with "Seccomp: 2" (tests/confine.sh). */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof allow / sizeof allow[0],
		.filter = allow,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: seccomp_exec PROG [ARG...]\n");
		return 2;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("seccomp(SECCOMP_SET_MODE_FILTER)");
		return 126;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
