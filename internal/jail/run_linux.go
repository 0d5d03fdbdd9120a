package jail

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/identity"
)

// Run starts the session inside the jail and waits for it, relaying
// signals and, when the caller has a terminal, the session's own pty. It
// returns the session's exit status; when a signal killed the session,
// jailsh dies of the same signal, as nsenter(1) does, and Run does not
// return.
//
// jailsh itself enters nothing: the attach stage (stage_linux.c), a
// single-threaded fork of it, joins the jail and forks the session as
// jailsh's child. No parent-death signal: the session is in another pid
// namespace, and a login outlives nothing it should not.
func (j *Jail) Run(s Session) (int, error) {
	// Installed before the fork so that a signal in the window between fork
	// and wait is relayed rather than killing the parent alone.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, relayed...)
	defer signal.Stop(sigs)

	// The ids the session has on the host: its own in a jail that shares
	// the host's user namespace, mapped in one that has its own.
	host, err := j.HostCred(s.Cred)
	if err != nil {
		j.Close()
		return 0, &Error{Jail: j.name, Err: err}
	}
	// Opened in the host's mount namespace, before anything is entered.
	term, err := newTerminal(host.UID)
	if err != nil {
		j.Close()
		return 0, &Error{Jail: j.name, Err: err}
	}

	type started struct {
		pid int
		err error
	}
	start := make(chan started, 1)
	proceed := make(chan struct{})
	events := make(chan waitEvent, 1)
	go func() {
		pid, err := j.stage(&s, host, term)
		start <- started{pid, err}
		if err != nil {
			return
		}
		<-proceed // the child is not reaped before it has been verified
		waitChild(pid, events)
	}()
	st := <-start
	j.Close()
	if st.err != nil {
		if term != nil {
			term.close()
		}
		return 0, &Error{Jail: j.name, Err: st.err}
	}
	err = verifyChild(st.pid, host, j.noNewPrivs())
	if err == nil {
		err = dropProcess(host)
	}
	if err != nil {
		unix.Kill(st.pid, unix.SIGKILL)
		close(proceed)
		for e := range events {
			if !e.stopped {
				break
			}
		}
		return 0, &Error{Jail: j.name, Err: err}
	}
	close(proceed)

	// Without a pty the session shares no terminal with the caller, so
	// what the terminal would send its process group (^C, ^Z, a hangup)
	// comes to jailsh and goes to the session's process group. With the
	// pty, the pty sends those itself; signals sent to jailsh (by sshd on
	// a hangup, by kill) go to the session's leader.
	target := -st.pid
	if term != nil {
		target = st.pid
		term.start()
	}
	for {
		select {
		case sig := <-sigs:
			switch {
			case sig == unix.SIGWINCH && term != nil:
				term.resize()
			case sig == unix.SIGWINCH:
			case sig == unix.SIGTSTP && term == nil:
				// The session's process group is orphaned (it leads
				// its own session), and the kernel drops SIGTSTP sent
				// to an orphaned group: a stop it cannot ignore.
				unix.Kill(target, unix.SIGSTOP)
			default:
				unix.Kill(target, sig.(syscall.Signal))
			}
		case e := <-events:
			if e.stopped {
				// The session stopped (^Z without a pty, SIGSTOP): so does
				// jailsh, so that the caller's shell sees the job stop, and
				// when continued it continues the session.
				if term != nil {
					term.restore()
				}
				stopSelf()
				if term != nil {
					term.raw()
					term.resize()
				}
				unix.Kill(target, unix.SIGCONT)
				continue
			}
			if term != nil {
				term.finish()
			}
			if e.err != nil {
				return 0, &Error{Jail: j.name, Err: e.err}
			}
			if e.ws.Signaled() {
				signal.Stop(sigs)
				dieOf(e.ws.Signal())
				return 128 + int(e.ws.Signal()), nil
			}
			return e.ws.ExitStatus(), nil
		}
	}
}

// relayed are the signals jailsh passes on to the session: those a
// terminal or sshd sends (HUP, INT, QUIT, TSTP, CONT), those one sends a
// service (TERM, USR1, USR2), and SIGWINCH for the pty.
var relayed = []os.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM,
	unix.SIGUSR1, unix.SIGUSR2, unix.SIGTSTP, unix.SIGCONT, unix.SIGWINCH}

type waitEvent struct {
	stopped bool
	ws      unix.WaitStatus
	err     error
}

// waitChild reports each stop of the session and then its end.
func waitChild(pid int, events chan<- waitEvent) {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			events <- waitEvent{err: fmt.Errorf("wait4(%d): %w", pid, err)}
			close(events)
			return
		}
		if ws.Stopped() {
			events <- waitEvent{stopped: true, ws: ws}
			continue
		}
		events <- waitEvent{ws: ws}
		close(events)
		return
	}
}

// stopSelf stops jailsh and returns once it is continued. SIGSTOP is sent
// to the calling thread itself: sent to the process, another thread may take
// it while this one goes on (and continues the session too early).
func stopSelf() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP)
}

// dieOf ends jailsh by sig, the signal that killed the session, so that
// the caller sees what happened to it (bash prints "Terminated", a wait
// status says WIFSIGNALED). The Go runtime would turn a re-raised SIGQUIT
// or SIGSEGV into a stack dump and exit status 2: the default action is
// restored by hand. No core: jailsh is not dumpable. It returns only for
// a signal whose default action is not to terminate.
func dieOf(sig syscall.Signal) {
	runtime.LockOSThread()
	var act [4]uintptr // struct kernel_sigaction: handler SIG_DFL, no flags, no mask
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0)
	var set [1]uint64
	set[0] = 1 << (uint(sig) - 1)
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_UNBLOCK, uintptr(unsafe.Pointer(&set[0])), 0, 8, 0, 0)
	unix.Tgkill(os.Getpid(), unix.Gettid(), sig)
}

// verifyChild reads the session's credentials back from the host's /proc
// before it may be reaped: a drop that did not stick must not go on
// running. With allow_setuid the session may already have executed a
// setuid program, so only the real ids are compared then.
func verifyChild(pid int, c identity.Cred, noNewPrivs bool) error {
	b, err := readAt(unix.AT_FDCWD, "/proc/"+strconv.Itoa(pid)+"/status")
	if err != nil {
		return fmt.Errorf("verify the session's credentials: %w", err)
	}
	status := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			status[k] = strings.Fields(v)
		}
	}
	n := 1 // real id only
	if noNewPrivs {
		n = 4 // real, effective, saved, filesystem
	}
	for _, id := range []struct {
		key  string
		want uint32
	}{{"Uid", c.UID}, {"Gid", c.GID}} {
		f := status[id.key]
		if len(f) < n {
			return fmt.Errorf("verify the session's credentials: no %s line", id.key)
		}
		for _, v := range f[:n] {
			if v != strconv.FormatUint(uint64(id.want), 10) {
				return fmt.Errorf("the session's credentials did not stick: %s: %v, want %d", id.key, f, id.want)
			}
		}
	}
	if !noNewPrivs {
		return nil
	}
	want := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		want[i] = strconv.FormatUint(uint64(g), 10)
	}
	have := slices.Clone(status["Groups"])
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(slices.Compact(have), slices.Compact(want)) {
		return fmt.Errorf("the session's groups did not stick: %v, want %v", status["Groups"], want)
	}
	if nnp := status["NoNewPrivs"]; len(nnp) != 1 || nnp[0] != "1" {
		return fmt.Errorf("the session has no no_new_privs (NoNewPrivs: %v)", nnp)
	}
	return nil
}

// dropProcess drops the parent, which only waits, to the user on every
// thread (POSIX semantics through the C library), and reads it back.
func dropProcess(c identity.Cred) error {
	gs := make([]int, len(c.Groups))
	for i, g := range c.Groups {
		gs[i] = int(g)
	}
	if err := syscall.Setgroups(gs); err != nil {
		return fmt.Errorf("setgroups(%v): %w", gs, err)
	}
	if err := syscall.Setresgid(int(c.GID), int(c.GID), int(c.GID)); err != nil {
		return fmt.Errorf("setresgid(%d): %w", c.GID, err)
	}
	if err := syscall.Setresuid(int(c.UID), int(c.UID), int(c.UID)); err != nil {
		return fmt.Errorf("setresuid(%d): %w", c.UID, err)
	}
	r, e, s := unix.Getresuid()
	if r != int(c.UID) || e != int(c.UID) || s != int(c.UID) {
		return fmt.Errorf("uid did not stick: want %d, have %d/%d/%d", c.UID, r, e, s)
	}
	r, e, s = unix.Getresgid()
	if r != int(c.GID) || e != int(c.GID) || s != int(c.GID) {
		return fmt.Errorf("gid did not stick: want %d, have %d/%d/%d", c.GID, r, e, s)
	}
	// The uid change reset dumpable to fs.suid_dumpable: with 1 the user
	// could ptrace this process, which lives in the host's namespaces with
	// the host's cwd and the caller's terminal, and one of whose threads is
	// rooted in the jail. dumpable is per mm: one call covers every thread.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, 0): %w", err)
	}
	return nil
}
