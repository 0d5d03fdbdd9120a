/* showid: what a session gets from a setuid-root program (tests/confine.sh).
 * Built static (gcc -static -O2) so that it runs in a busybox jail; installed
 * there root-owned, mode 4755. Prints its real/effective ids and the
 * capability, no_new_privs and seccomp lines of /proc/self/status. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	char line[512];
	FILE *f;

	if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0) {
		perror("getresuid");
		return 1;
	}
	printf("ruid=%u\neuid=%u\nsuid=%u\negid=%u\n", r, e, s, eg);
	f = fopen("/proc/self/status", "r");
	if (f == NULL) {
		perror("/proc/self/status");
		return 1;
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0 ||
		    strncmp(line, "Seccomp:", 8) == 0)
			fputs(line, stdout);
	fclose(f);
	return 0;
}
