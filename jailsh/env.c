//go:build cgo

/*
 * The caller's environment, reduced before the Go runtime starts.
 *
 * jailsh is setuid root, and its Go runtime reads GODEBUG, GOGC,
 * GOMAXPROCS, GOTRACEBACK and more from the environment while it starts,
 * before main; Go's time package would open the file TZ names, as root.
 * In a cgo executable the process starts in libc (_start,
 * __libc_start_main), which runs constructors before it calls the Go
 * runtime's main: this one leaves only the names in jm_keep_env, as sudo's
 * env_reset and glibc's secure mode do, so nothing the caller set is read
 * as root. jailsh's Go code reads this list too (env_cgo.go): one list.
 *
 * It acts only in a secure exec (setuid, AT_SECURE): run by root, or
 * without privilege (go test), the environment is the caller's own business.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/auxv.h>
#endif

extern char **environ;

/* Names passed to the session (doas's env.c style); LD_*, IFS, ENV,
 * BASH_ENV, PATH, GO* and the like never are. */
const char *const jm_keep_env[] = {
	"TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ",
	"SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "JAILME_JAIL",
	"LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE",
	"LC_MONETARY", "LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS",
	"LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
	NULL,
};

/* Set when the constructor reduced the environment. */
int jm_env_reduced;

/* jm_keep_name returns the i-th kept name, NULL past the end (for Go). */
const char *
jm_keep_name(int i)
{
	int n;

	for (n = 0; jm_keep_env[n] != NULL; n++)
		if (n == i)
			return jm_keep_env[n];
	return NULL;
}

/* kept says whether "NAME=value" has a name in jm_keep_env. */
static int
kept(const char *kv, size_t len)
{
	const char *const *k;
	size_t n;

	for (k = jm_keep_env; *k != NULL; k++) {
		n = strlen(*k);
		if (len > n && kv[n] == '=' && memcmp(kv, *k, n) == 0)
			return 1;
	}
	return 0;
}

static int
secure_exec(void)
{
#ifdef __linux__
	return getauxval(AT_SECURE) != 0;
#else
	return issetugid() != 0;
#endif
}

/* samename says whether a and b ("NAME=...") have the same name. */
static int
samename(const char *a, const char *b)
{
	while (*a != '\0' && *a != '=' && *a == *b)
		a++, b++;
	return *a == '=' && *b == '=';
}

__attribute__((constructor)) static void
jm_reduce_env(void)
{
	static char empty[] = "";
	char **r, **w, **p;
	int dup;

	if (!secure_exec() || environ == NULL)
		return;
	/*
	 * In place: the kept entries move to the front, each name once (the
	 * first wins, as getenv finds it), and the rest of the array is
	 * filled with "", which names nothing. The array keeps its length
	 * because the Go runtime finds the auxiliary vector by skipping
	 * argv and the environment up to their NULL.
	 */
	w = environ;
	for (r = environ; *r != NULL; r++) {
		if (!kept(*r, strlen(*r)))
			continue;
		dup = 0;
		for (p = environ; p < w; p++)
			if (samename(*p, *r))
				dup = 1;
		if (!dup)
			*w++ = *r;
	}
	for (; w < r; w++)
		*w = empty;
	jm_env_reduced = 1;
}
