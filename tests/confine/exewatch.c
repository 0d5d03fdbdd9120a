/* exewatch: the hostile jail process of issue 11 item 1 (tests/confine.sh).
 * Runs as root inside a jail and spins on open("/proc/N/exe") for the next
 * pids the jail's pid namespace hands out (ns_last_pid .. +3), hoping to
 * catch a session child between fork and exec, while it still is the host's
 * jailsh. Every fd it gets is compared (st_dev, st_ino) with the host's
 * jailsh, passed as arguments.
 *
 *	exewatch DEV INO READY
 *
 * creates READY once it spins and stops on SIGTERM, printing
 *	opened=N caught=M
 * where opened counts /proc/N/exe fds it obtained of other processes (of any
 * program; its own pid, often the last one handed out, does not count: a
 * watcher that opened only itself saw nothing) and caught those that were
 * the host's jailsh. Built static so it runs in a busybox jail. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void stop(int sig)
{
	(void)sig;
	done = 1;
}

static long last_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int main(int argc, char **argv)
{
	unsigned long long dev, ino;
	unsigned long opened = 0, caught = 0;
	char path[64];
	struct stat st;
	int lastfd, fd;
	long last, p, self = (long)getpid();

	if (argc != 4) {
		fprintf(stderr, "usage: exewatch DEV INO READY\n");
		return 2;
	}
	dev = strtoull(argv[1], NULL, 0);
	ino = strtoull(argv[2], NULL, 0);
	signal(SIGTERM, stop);
	lastfd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	if (lastfd < 0) {
		perror("/proc/sys/kernel/ns_last_pid");
		return 1;
	}
	fd = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[3]);
		return 1;
	}
	close(fd);
	while (!done) {
		last = last_pid(lastfd);
		for (p = last; p <= last + 3 && !done; p++) {
			if (p == self)
				continue;
			snprintf(path, sizeof path, "/proc/%ld/exe", p);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			opened++;
			if (fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
			    (unsigned long long)st.st_ino == ino) {
				caught++;
				fprintf(stderr, "exewatch: /proc/%ld/exe is the host's jailsh\n", p);
			}
			close(fd);
		}
	}
	printf("opened=%lu caught=%lu\n", opened, caught);
	return 0;
}
