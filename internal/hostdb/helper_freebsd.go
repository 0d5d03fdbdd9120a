package hostdb

import "syscall"

// child is the helper by pid: FreeBSD's process descriptors (pdfork) are
// not reachable from syscall.ForkExec.
type child struct {
	pid    int
	exited bool
	ws     syscall.WaitStatus
}

func prepare(sys *syscall.SysProcAttr) *child { return &child{} }

func (c *child) started(pid int) { c.pid = pid }

func (c *child) kill() {
	if !c.exited {
		syscall.Kill(c.pid, syscall.SIGKILL)
	}
}

func (c *child) status() string {
	c.wait(0)
	return "it exited or was killed without answering"
}

func (c *child) wait(opts int) {
	if c.exited {
		return
	}
	for {
		pid, err := syscall.Wait4(c.pid, &c.ws, opts, nil)
		if err == syscall.EINTR {
			continue
		}
		c.exited = pid == c.pid || err == syscall.ECHILD
		return
	}
}

func (c *child) reap() {
	if !c.exited {
		c.wait(0)
	}
}
