/* sysprobe: tries the two system calls the jails' seccomp filters refuse
 * (tests/confine.sh, tests/runtimes.sh) and prints what the kernel said:
 *   unshare=ok|EPERM|...   unshare(CLONE_NEWUSER)
 *   keyctl=ok|EPERM|...    keyctl(KEYCTL_GET_KEYRING_ID, user keyring, create)
 *   kcmp=...               kcmp(self, self, KCMP_FILE, 0, 0)
 *   userfaultfd=...        userfaultfd(UFFD_USER_MODE_ONLY)
 * (podman's default profile allows unshare and keyctl but refuses the last
 * two, which an unprivileged process may otherwise make)
 * then the Seccomp and Seccomp_filters lines of its own /proc status. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_USER_KEYRING -4
#define KCMP_FILE 0
#define UFFD_USER_MODE_ONLY 1

static const char *
name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case ENOKEY: return "ENOKEY";
	}
	return strerror(e);
}

int
main(void)
{
	char line[256];
	FILE *f;

	errno = 0;
	printf("unshare=%s\n", name(unshare(CLONE_NEWUSER) == 0 ? 0 : errno));
	errno = 0;
	printf("keyctl=%s\n", name(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1) >= 0 ? 0 : errno));
	errno = 0;
	printf("kcmp=%s\n", name(syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0) >= 0 ? 0 : errno));
	errno = 0;
	printf("userfaultfd=%s\n", name(syscall(SYS_userfaultfd, UFFD_USER_MODE_ONLY) >= 0 ? 0 : errno));
	if ((f = fopen("/proc/self/status", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (strncmp(line, "Seccomp", 7) == 0)
				fputs(line, stdout);
		fclose(f);
	}
	return 0;
}
