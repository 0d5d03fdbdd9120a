package hostdb

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// child is the helper, held by a pidfd: in a host process (sshd) a SIGCHLD
// handler may reap it behind our back, and a pid could then name another
// process; the pidfd cannot.
type child struct {
	pidfd  int
	pid    int
	exited bool
}

func prepare(sys *syscall.SysProcAttr) *child {
	c := &child{pidfd: -1}
	sys.PidFD = &c.pidfd
	// The helper must not outlive jailsh.
	sys.Pdeathsig = syscall.SIGKILL
	return c
}

func (c *child) started(pid int) { c.pid = pid }

func (c *child) kill() {
	if c.pidfd >= 0 {
		unix.PidfdSendSignal(c.pidfd, unix.SIGKILL, nil, 0)
	}
}

// status reaps the helper once it has closed its pipe.
func (c *child) status() string {
	c.wait(unix.WEXITED)
	return "it exited or was killed without answering"
}

// wait reaps the helper by its pidfd; ECHILD means the host process reaped
// it already.
func (c *child) wait(opts int) {
	if c.exited || c.pidfd < 0 {
		return
	}
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PIDFD, c.pidfd, &info, opts, nil)
		if err == unix.EINTR {
			continue
		}
		c.exited = err == unix.ECHILD || err == nil && info.Signo != 0
		return
	}
}

// reap waits for the helper, which has closed its pipe or been killed: a
// process stuck in the kernel (an uninterruptible NFS read) is waited for
// at most a second and then left to the host process.
func (c *child) reap() {
	if c.pidfd < 0 {
		return
	}
	defer unix.Close(c.pidfd)
	if !c.exited {
		fds := []unix.PollFd{{Fd: int32(c.pidfd), Events: unix.POLLIN}}
		unix.Poll(fds, 1000)
		c.wait(unix.WEXITED | unix.WNOHANG)
	}
}
