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

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/identity"
)

// Run starts the session inside the jail and waits for it, relaying
// signals, like nsenter(1). It returns the session's exit status (128+n when
// a signal killed it).
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
	signal.Notify(sigs, unix.SIGHUP, unix.SIGTERM, unix.SIGINT, unix.SIGQUIT)
	defer signal.Stop(sigs)

	type started struct {
		pid int
		err error
	}
	type ended struct {
		status int
		err    error
	}
	start := make(chan started, 1)
	proceed := make(chan struct{})
	end := make(chan ended, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: this thread is the jail's now
		pid, err := j.spawn(&s)
		start <- started{pid, err}
		if err != nil {
			return
		}
		<-proceed // the child is not reaped before it has been verified
		status, err := wait(pid)
		end <- ended{status, err}
	}()
	st := <-start
	j.Close()
	if st.err != nil {
		return 0, &Error{Jail: j.name, Err: st.err}
	}
	err := verifyChild(st.pid, s.Cred, j.noNewPrivs())
	if err == nil {
		err = dropProcess(s.Cred)
	}
	if err != nil {
		unix.Kill(st.pid, unix.SIGKILL)
		close(proceed)
		<-end
		return 0, &Error{Jail: j.name, Err: err}
	}
	close(proceed)
	for {
		select {
		case sig := <-sigs:
			unix.Kill(st.pid, sig.(syscall.Signal))
		case e := <-end:
			if e.err != nil {
				return 0, &Error{Jail: j.name, Err: e.err}
			}
			return e.status, nil
		}
	}
}

func wait(pid int) (int, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EINTR) {
			return 0, fmt.Errorf("wait4(%d): %w", pid, err)
		}
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// spawn runs on the locked thread: enter, confine, then fork the shell,
// which drops to the user before it executes anything of the jail's.
func (j *Jail) spawn(s *Session) (int, error) {
	if err := j.alive(); err != nil {
		return 0, err
	}
	if err := j.joinCgroups(); err != nil {
		return 0, err
	}
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
	// The child sets its groups, gid and uid with raw system calls, in that
	// order, then enters the home directory and executes
	// (syscall.forkAndExecInChild1); a failure of any step comes back here
	// and nothing of the jail's runs. The home directory is entered as the
	// user: if they cannot, they get "/", as login(1) does.
	attr := &syscall.ProcAttr{
		Dir:   s.Cred.Home,
		Env:   s.Env,
		Files: []uintptr{0, 1, 2},
		Sys: &syscall.SysProcAttr{
			Credential: &syscall.Credential{
				Uid:    s.Cred.UID,
				Gid:    s.Cred.GID,
				Groups: append([]uint32{}, s.Cred.Groups...),
			},
		},
	}
	pid, err := syscall.ForkExec(s.Path, s.Argv, attr)
	if err != nil && attr.Dir != "/" {
		attr.Dir = "/"
		attr.Env = setenv(append([]string(nil), s.Env...), "HOME", "/")
		if pid, err := syscall.ForkExec(s.Path, s.Argv, attr); err == nil {
			s.notice(fmt.Sprintf("no home directory %s, logging in with HOME=/", s.Cred.Home))
			return pid, nil
		}
	}
	if err != nil {
		return 0, fmt.Errorf("exec %s in the jail as uid %d: %w", s.Path, s.Cred.UID, err)
	}
	return pid, nil
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
