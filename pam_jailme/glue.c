/*
 * glue.c: the PAM entry points of pam_jailme, in C.
 *
 * pam_jailme.so is a Go c-shared object. Loading it starts a Go runtime
 * inside sshd, login or su, and those programs fork afterwards. A forked
 * child has one thread and a copy of a runtime whose other threads are gone:
 * any call into Go there can deadlock (sshd hung at 100% CPU when
 * pam_setcred, which sshd calls again in a forked child, entered Go). So:
 *
 *   - Every entry point is C. Only open_session and close_session call Go,
 *     and only in the process that loaded the module (fork guard below).
 *     authenticate, setcred, acct_mgmt and chauthtok return PAM_IGNORE
 *     without touching Go.
 *   - Go gets plain C values (flags, argv) and the handle as void *, used
 *     only through jm_get_item, jm_getenv and jm_conv_error (glue.h).
 *   - Go's threads are created with host signals blocked (constructors
 *     below), so sshd's SIGTERM/SIGHUP/... handlers do not run on them
 *     (SIGCHLD excepted: the Go runtime unblocks it, see below).
 *
 * Nothing here logs through syslog(3) or pam_syslog(3): glibc's send to
 * /dev/log has no timeout, and a syslog daemon that stopped reading hung
 * the login. Go's lines go through internal/audit (audit.Raw), bounded by
 * its send timeout; the forked child's through jm_child_log, bounded the
 * same way. The conversation is called directly (what pam_error(3) does),
 * which works on Linux-PAM and OpenPAM alike. FreeBSD
 * (OpenPAM) needs a FreeBSD host with cgo to build: the same go build line,
 * -lpam from base; it has not been built or tested here.
 */

#define _GNU_SOURCE	/* program_invocation_short_name (glibc) */
#include <sys/types.h>
#ifdef __linux__
#include <sys/auxv.h>
#endif
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_modules.h>

#include "glue.h"
#include "_cgo_export.h"

/*
 * Signals that the host program handles and that must not be delivered to
 * a Go thread. Process-directed signals go to any thread that does not
 * block them; with these blocked in every Go thread they reach the host's
 * own thread(s), as they did before the module was loaded.
 */
static const int jm_host_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD,
	SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE,
};

static pid_t	jm_load_pid;		/* process that ran our constructors */
static sigset_t	jm_saved_mask;		/* loading thread's mask before us */
static int	jm_mask_saved;

/*
 * Why two constructors and why these priorities (read with the Go sources
 * runtime/rt0_linux_amd64.s, runtime/asm_amd64.s (_rt0_amd64_lib),
 * runtime/cgo/gcc_libinit.c and runtime/proc.go (schedinit)):
 *
 * In c-shared mode the Go linker puts _rt0_amd64_linux_lib into go.o's
 * .init_array (no priority). When the dynamic loader runs it, it calls
 * _cgo_sys_thread_create = x_cgo_sys_thread_create, which pthread_create()s
 * the thread that runs rt0_go, and returns at once: the runtime initialises
 * asynchronously on that thread (an exported Go function called later
 * waits for it in _cgo_wait_runtime_init_done). pthread_create gives the
 * new thread the creating thread's signal mask at that moment. That thread
 * becomes m0; schedinit saves its mask as initSigmask, every later Go
 * thread starts with initSigmask (newm: mp.sigmask = initSigmask, applied
 * by minitSignalMask, which only unblocks the synchronous signals such as
 * SIGSEGV). So what matters is the loading thread's mask while Go's
 * constructor runs, not afterwards.
 *
 * The linker (SORT_BY_INIT_PRIORITY) places .init_array.NNNNN sections in
 * priority order before plain .init_array sections, and ld.so runs
 * .init_array front to back. Hence:
 *   jm_block_signals   constructor(101): .init_array.00101, runs before Go's
 *                      entry; blocks jm_host_signals in the loading thread.
 *   Go's _rt0 entry:   plain .init_array of go.o; creates m0 with our mask.
 *   jm_restore_signals constructor without priority: plain .init_array of
 *                      glue.o, which the Go linker passes after go.o, so it
 *                      runs after Go's entry and gives the loading (host)
 *                      thread its own mask back.
 * The test (TestPAM/signal-mask) checks the result in a running host
 * (/proc/self/task/N/status SigBlk), so a change of that order is caught.
 * Calls into Go from the host thread later run on that thread with the
 * host's mask (needm saves and restores it): that is the host's own thread.
 * FreeBSD's rt0 (_rt0_amd64_freebsd_lib) is the same code; untested there.
 *
 * The exception is SIGCHLD. minitSignalMask always unblocks the signals
 * the runtime's sigtable marks _SigUnblock, and on Linux that includes
 * SIGCHLD (and SIGPROF and the synchronous ones), whatever mask the thread
 * inherited. So the host's SIGCHLD handler can still run on a Go thread.
 * Go installs no SIGCHLD handler in c-shared mode: the host's own handler
 * runs, on that thread's stack. Nothing here can change that.
 */
__attribute__((constructor(101))) static void
jm_block_signals(void)
{
	sigset_t set;
	size_t i;

	jm_load_pid = getpid();
	sigemptyset(&set);
	for (i = 0; i < sizeof(jm_host_signals) / sizeof(jm_host_signals[0]); i++)
		sigaddset(&set, jm_host_signals[i]);
	if (pthread_sigmask(SIG_BLOCK, &set, &jm_saved_mask) == 0)
		jm_mask_saved = 1;
}

/*
 * The Go runtime's own variables, read while it starts: GODEBUG (also the
 * standard library's settings), GOGC, GOMEMLIMIT, GOMAXPROCS, GOTRACEBACK.
 */
static const char *const jm_go_env[] = {
	"GODEBUG", "GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GOTRACEBACK", NULL,
};

static int
jm_go_var(const char *kv)
{
	const char *const *k;
	size_t n;

	for (k = jm_go_env; *k != NULL; k++) {
		n = strlen(*k);
		if (strncmp(kv, *k, n) == 0 && kv[n] == '=')
			return 1;
	}
	return 0;
}

/*
 * In a setuid host (su, sudo) the caller's environment must not configure
 * our runtime as root: `GODEBUG=inittrace=1 su` printed Go's init trace,
 * and GOMEMLIMIT, GOMAXPROCS and GODEBUG would have set the collector and
 * the standard library's behaviour (jailsh reduces its environment in
 * jailsh/env.c for the same reason). Go does not read environ: its entry
 * keeps the argc and argv that ld.so passes to every initialiser (glibc's
 * __libc_argc, __libc_argv) and reads the environment at argv + argc + 1,
 * the array the kernel built, on its own thread after its entry returns.
 * This constructor (101, before Go's entry, see above) gets the same argc
 * and argv and, in a secure exec only, as glibc drops LD_PRELOAD and the
 * like there, replaces those entries by "", which names nothing: the array
 * keeps its length because Go finds the auxiliary vector past its NULL.
 * The price: while the host has not copied its environment (su has not
 * when PAM loads the module), environ is that same array, so the host and
 * the session it starts lose those five variables too, as they lose
 * LD_PRELOAD. Run by root, or by sshd and login, nothing changes.
 */
__attribute__((constructor(101))) static void
jm_secure_env(int argc, char **argv, char **envp)
{
	static char empty[] = "";
	char **e;

	(void)envp;	/* __environ at dlopen, perhaps a copy; Go reads argv's */
#ifdef __linux__
	if (getauxval(AT_SECURE) == 0)
		return;
#else
	if (issetugid() == 0)
		return;
#endif
	if (argc < 0 || argv == NULL)
		return;
	for (e = argv + argc + 1; *e != NULL; e++)
		if (jm_go_var(*e))
			*e = empty;
}

__attribute__((constructor)) static void
jm_restore_signals(void)
{
	if (jm_mask_saved) {
		pthread_sigmask(SIG_SETMASK, &jm_saved_mask, NULL);
		jm_mask_saved = 0;
	}
}

/*
 * forked reports whether we run in a child of the process that loaded the
 * module. There the Go runtime has lost its threads: never enter Go.
 */
static int
forked(void)
{
	return getpid() != jm_load_pid;
}

int
jm_get_item(void *pamh, int item, const char **out)
{
	const void *p = NULL;
	int r;

	*out = NULL;
	r = pam_get_item((pam_handle_t *)pamh, item, &p);
	if (r == PAM_SUCCESS)
		*out = p;
	return r;
}

int
jm_getenv(void *pamh, const char *name, const char **out)
{
	*out = pam_getenv((pam_handle_t *)pamh, name);
	return *out != NULL ? PAM_SUCCESS : PAM_SYSTEM_ERR;
}

int
jm_conv_error(void *pamh, const char *msg)
{
	const struct pam_conv *conv = NULL;
	struct pam_message m;
	const struct pam_message *mp = &m;
	struct pam_response *resp = NULL;
	int r;

	r = pam_get_item((pam_handle_t *)pamh, PAM_CONV, (const void **)&conv);
	if (r != PAM_SUCCESS)
		return r;
	if (conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	m.msg_style = PAM_ERROR_MSG;
	m.msg = (char *)msg;
	/* Linux-PAM and OpenPAM both take (const struct pam_message **). */
	r = conv->conv(1, (void *)&mp, &resp, conv->appdata_ptr);
	if (resp != NULL) {
		free(resp->resp);
		free(resp);
	}
	return r;
}

const char *
jm_progname(void)
{
#ifdef __GLIBC__
	return program_invocation_short_name;
#else
	return getprogname();
#endif
}

/*
 * jm_child_log sends one LOG_AUTHPRIV|LOG_ERR line, "ident[pid]:
 * pam_jailme: ...", to /dev/log from a forked child, where Go cannot run:
 * a datagram, else a NUL-terminated line on a stream socket (the daemon
 * chooses), given up after a second (SO_SNDTIMEO) as the Go side's lines
 * are (internal/audit SendTimeout). syslog(3) blocked for as long as a
 * stalled daemon did not read.
 */
static void
jm_child_log(const char *fmt, ...)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct timeval tv = { 1, 0 };
	struct sockaddr_un sa;
	char msg[1024], stamp[32];
	struct tm tm;
	time_t now;
	va_list ap;
	size_t i;
	int fd, n, m;

	now = time(NULL);
	stamp[0] = '\0';
	if (gmtime_r(&now, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S ", &tm);
	n = snprintf(msg, sizeof(msg), "<%d>%s%s[%ld]: pam_jailme: ",
	    LOG_AUTHPRIV | LOG_ERR, stamp, jm_progname(), (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	va_start(ap, fmt);
	m = vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n = strlen(msg);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, "/dev/log", sizeof(sa.sun_path) - 1);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0 &&
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			/* A stream frames the line with its NUL. */
			(void)send(fd, msg, n + (types[i] == SOCK_STREAM),
			    MSG_NOSIGNAL);
			close(fd);
			return;
		}
		m = errno;
		close(fd);
		if (m != EPROTOTYPE)
			return;
	}
}

/*
 * jm_forked_open is open_session in a forked child, where Go cannot run and
 * so the decision is not available. A user whose login shell is jailsh is
 * jailed whatever the configuration says: refused, fail closed (jailsh
 * itself decides again at login), unless their uid is 0, which the module
 * never jails (a root whose login shell is jailsh is jailsh's to decide,
 * allow_root). Everyone else, root included, is not
 * refused, as the module steps aside for users who are not jailed: a host
 * that opens sessions in a forked child must not lock the admin out. What
 * is lost here is the shell check for a user a rule jails whose login
 * shell is not jailsh; that is logged.
 */
static int
jm_forked_open(pam_handle_t *pamh, int argc, const char **argv)
{
	const void *item = NULL;
	const char *jailsh = "/usr/local/sbin/jailsh", *shell, *base;
	struct passwd pw, *res = NULL;
	char buf[16384];
	int i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "jailsh=/", 8) == 0)
			jailsh = argv[i] + 7;
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == NULL ||
	    getpwnam_r(item, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		jm_child_log("open_session in pid "
		    "%ld, module loaded in pid %ld: a forked child cannot run the "
		    "check and the user is unknown; refusing",
		    (long)getpid(), (long)jm_load_pid);
		return PAM_SESSION_ERR;
	}
	if (pw.pw_uid == 0) {
		/* As in Go (gate.Decide): uid 0 is never jailed by the module,
		 * under any name, whatever its login shell. */
		jm_child_log("open_session in pid %ld, module loaded in pid "
		    "%ld: a forked child cannot run the check; stepping aside "
		    "for uid 0, never jailed by pam_jailme",
		    (long)getpid(), (long)jm_load_pid);
		return PAM_IGNORE;
	}
	shell = pw.pw_shell != NULL ? pw.pw_shell : "";
	base = strrchr(shell, '/');
	if (strcmp(shell, jailsh) == 0 ||
	    (shell[0] == '/' && base != NULL && strcmp(base + 1, "jailsh") == 0)) {
		jm_child_log("open_session in pid "
		    "%ld, module loaded in pid %ld: a forked child cannot run the "
		    "check; refusing jailsh user uid %ld",
		    (long)getpid(), (long)jm_load_pid, (long)pw.pw_uid);
		return PAM_SESSION_ERR;
	}
	jm_child_log("open_session in pid %ld, "
	    "module loaded in pid %ld: a forked child cannot run the check; "
	    "stepping aside for uid %ld, whose login shell is not jailsh (a "
	    "user or group rule naming them is not checked here)",
	    (long)getpid(), (long)jm_load_pid, (long)pw.pw_uid);
	return PAM_IGNORE;
}

int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	if (forked())
		return jm_forked_open(pamh, argc, argv);
	return jm_go_open_session(pamh, flags, argc, (char **)argv);
}

int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	if (forked())
		return PAM_SUCCESS;
	return jm_go_close_session(pamh, flags, argc, (char **)argv);
}

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}

int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}

int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}

int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}
