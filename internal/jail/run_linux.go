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
// Entering happens on one locked OS thread: setns(CLONE_NEWNS) needs a
// thread that does not share its fs_struct (unshare(CLONE_FS)), and that
// thread's root and namespaces are the jail's from then on, so no other
// goroutine may ever run on it. The session is forked from it, and the same
// thread waits for the session: it must not be exiting while the parent
// drops its privileges process-wide, which the C library does by signalling
// every thread (a thread that is half gone, or whose credentials differ,
// makes glibc abort). No parent-death signal: Go's ForkExec compares the
// child's getppid() with the parent's pid, which is 0 across a pid
// namespace, and would kill every session.
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
		runtime.LockOSThread() // never unlocked: this thread is the jail's now
		var pid int
		var err error
		if j.userns != nil {
			pid, err = j.stage(&s, term)
		} else {
			pid, err = j.spawn(&s, term)
		}
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

// spawn runs on the locked thread: enter, confine, then fork the shell,
// which drops to the user before it executes anything of the jail's.
func (j *Jail) spawn(s *Session, term *terminal) (int, error) {
	if err := j.alive(); err != nil {
		return 0, err
	}
	cg, err := j.openCgroups()
	if err != nil {
		return 0, err
	}
	defer cg.close()
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return 0, fmt.Errorf("unshare(CLONE_FS): %w", err)
	}
	if err := j.setExecLabel(); err != nil {
		return 0, err
	}
	for _, n := range j.ns {
		if err := unix.Setns(n.fd, n.flag); err != nil {
			return 0, fmt.Errorf("setns(%s of pid %d): %w", n.name, j.pid, err)
		}
	}
	// After setns(mnt) our root is the namespace's root, not the jail's:
	// the init may have chrooted inside it. /proc/PID/root, opened before,
	// is the init's own root.
	if err := unix.Fchdir(int(j.root.Fd())); err != nil {
		return 0, fmt.Errorf("fchdir(jail root): %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return 0, fmt.Errorf("chroot(jail root): %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return 0, fmt.Errorf("chdir(/): %w", err)
	}
	if err := j.confine(); err != nil {
		return 0, err
	}
	if err := limitCaps(); err != nil {
		return 0, err
	}
	env, err := enterHome(s)
	if err != nil {
		return 0, err
	}
	// The child starts a session of its own (no controlling tty of the
	// caller's), sets its groups, gid and uid with raw system calls, in
	// that order, takes the pty as its controlling tty, and executes
	// (syscall.forkAndExecInChild1); a failure of any step comes back here
	// and nothing of the jail's runs. Its working directory is this
	// thread's: the home directory.
	files, ctty := term.childFiles()
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: files,
		Sys: &syscall.SysProcAttr{
			Setsid:  true,
			Setctty: ctty >= 0,
			Ctty:    max(ctty, 0),
			Credential: &syscall.Credential{
				Uid:    s.Cred.UID,
				Gid:    s.Cred.GID,
				Groups: append([]uint32{}, s.Cred.Groups...),
			},
		},
	}
	if cg.v2fd >= 0 {
		// The kernel checks CLONE_INTO_CGROUP against this thread's
		// fsuid (write access to cgroup.procs), which enterHome left
		// the user's: back to root's, which the child replaces anyway.
		unix.Setfsuid(0)
		unix.Setfsgid(0)
		if fsuid, _ := unix.SetfsuidRetUid(-1); fsuid != 0 {
			return 0, fmt.Errorf("setfsuid(0) did not stick: %d", fsuid)
		}
		attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = true, cg.v2fd
	}
	// Only now, and only this thread, enters the jail's v1 cgroups: the
	// child is born there, and the thread goes back before anything else
	// runs on it (see cgroup_linux.go).
	err = cg.enter()
	pid := 0
	if err == nil {
		pid, err = syscall.ForkExec(s.Path, s.Argv, attr)
		if err != nil {
			err = fmt.Errorf("exec %s in the jail as uid %d: %w", s.Path, s.Cred.UID, err)
		}
	}
	if berr := cg.back(); berr != nil {
		// The session would run, but this thread, which waits for it,
		// would count against the jail: refuse rather than mis-account.
		if pid > 0 {
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
		}
		return 0, berr
	}
	if err != nil {
		return 0, err
	}
	return pid, nil
}

// enterHome changes this thread's directory to the home directory, as the
// user: the thread's groups, fsuid and fsgid become the user's (per-thread
// raw system calls; limitCaps left no capability that bypasses permission
// checks), so the kernel's answer is the one the user would get. Done here
// rather than in the child, a failure is known to be the home directory's:
// missing, not a directory, or not searchable by the user gives "/", with
// HOME=/ and a notice, as login(1) does; any other failure refuses. The
// child inherits the directory.
func enterHome(s *Session) ([]string, error) {
	gs := make([]uint32, len(s.Cred.Groups))
	copy(gs, s.Cred.Groups)
	var gp unsafe.Pointer
	if len(gs) > 0 {
		gp = unsafe.Pointer(&gs[0])
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(gs)), uintptr(gp), 0); e != 0 {
		return nil, fmt.Errorf("setgroups on the forking thread: %w", e)
	}
	unix.Setfsgid(int(s.Cred.GID))
	unix.Setfsuid(int(s.Cred.UID))
	if fsuid, _ := unix.SetfsuidRetUid(-1); fsuid != int(s.Cred.UID) {
		return nil, fmt.Errorf("setfsuid(%d) did not stick: %d", s.Cred.UID, fsuid)
	}
	err := unix.Chdir(s.Cred.Home)
	switch {
	case err == nil:
		return s.Env, nil
	case errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.EACCES):
		if err := unix.Chdir("/"); err != nil {
			return nil, fmt.Errorf("chdir(/) as uid %d: %w", s.Cred.UID, err)
		}
		s.notice(fmt.Sprintf("no home directory %s, logging in with HOME=/", s.Cred.Home))
		return setenv(append([]string(nil), s.Env...), "HOME", "/"), nil
	}
	return nil, fmt.Errorf("chdir(%s) as uid %d: %w", s.Cred.Home, s.Cred.UID, err)
}

// verifyChild reads the session's credentials back from the host's /proc
// before it may be reaped: a drop that did not stick must not go on
// running. With allow_setuid the session may already have executed a
// setuid program, so only the real ids are compared then.
func verifyChild(pid int, c identity.Cred, noNewPrivs bool) error {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
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
