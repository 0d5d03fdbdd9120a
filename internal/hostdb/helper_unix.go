//go:build linux || freebsd

package hostdb

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// runHelper starts argv (path) with /dev/null on 0 and 2, a pipe on 1, an
// empty environment, / as its directory and, when we are root, all ids 0:
// nothing of our caller's reaches it (in setuid jailsh the real uid is the
// caller's, who could otherwise signal or trace it). It returns what the
// helper wrote once it closes the pipe, or ErrTimeout at the deadline, the
// helper killed and reaped, with what it wrote until then. No goroutine and no thread is left behind: the
// wait is poll(2) on the pipe.
//
// done, when not nil, is asked after each read whether what arrived is
// enough: then the helper is killed and that is the answer.
func runHelper(path string, argv []string, t time.Duration, done func([]byte) bool) ([]byte, error) {
	deadline := time.Now().Add(t)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("lookup helper: pipe: %w", err)
	}
	r, w := p[0], p[1]
	defer unix.Close(r)
	null, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(w)
		return nil, fmt.Errorf("lookup helper: /dev/null: %w", err)
	}
	sys := &syscall.SysProcAttr{Setpgid: true}
	if unix.Geteuid() == 0 {
		sys.Credential = &syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{}}
	}
	c := prepare(sys)
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Dir:   "/",
		Env:   []string{},
		Files: []uintptr{uintptr(null), uintptr(w), uintptr(null)},
		Sys:   sys,
	})
	unix.Close(w)
	unix.Close(null)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoHelper, path, err)
	}
	c.started(pid)
	defer c.reap()

	var out []byte
	buf := make([]byte, 64<<10)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.kill()
			return out, timeoutErr(t)
		}
		fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int((left+time.Millisecond-1)/time.Millisecond))
		if err == unix.EINTR || err == nil && n == 0 {
			continue
		}
		if err != nil {
			c.kill()
			return nil, fmt.Errorf("lookup helper: poll: %w", err)
		}
		m, err := unix.Read(r, buf)
		switch {
		case err == unix.EINTR || err == unix.EAGAIN:
			continue
		case err != nil:
			c.kill()
			return nil, fmt.Errorf("lookup helper: read: %w", err)
		case m == 0:
			if len(out) == 0 {
				return nil, fmt.Errorf("no answer (%s)", c.status())
			}
			return out, nil
		}
		if len(out)+m > maxAnswer {
			c.kill()
			return nil, fmt.Errorf("lookup helper %s: answer larger than %d bytes", path, maxAnswer)
		}
		out = append(out, buf[:m]...)
		if done != nil && done(out) {
			c.kill()
			return out, nil
		}
	}
}
