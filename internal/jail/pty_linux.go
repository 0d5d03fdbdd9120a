package jail

// The session never gets the caller's terminal. A process holding a
// terminal can push input into it (TIOCSTI, with dev.tty.legacy_tiocsti=1)
// when it is its controlling tty: after `su - alice` from a root terminal,
// whatever the jail pushed ran as root on the host. So every session starts
// a new session (setsid) and, when any of its standard fds is a terminal,
// gets a pty of its own in place of each of them, as `su --pty`, sshd and
// lxc-attach do; jailsh relays between the two.
//
// The pty comes from the host's /dev/ptmx, opened before anything of the
// jail is entered: the jail's /dev is the jail root's to shape (a node
// named ptmx may be any device, or absent), and opening a device the jail
// chose as host root is what rule 1 forbids. lxc-attach prefers the
// container's devpts through a descriptor LXC kept when it started the
// container, which jailme does not have. The slave is fresh, belongs to
// the user, and reaches nothing but the master held by jailsh: TIOCSTI on
// it feeds the session's own input. The price: inside the jail ttyname()
// finds no /dev/pts/N (tty(1) says "not a tty", though isatty is true).

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// terminal is the session's pty and the caller's terminal it stands for.
type terminal struct {
	master, slave int
	isTTY         [3]bool // which of the caller's fds 0-2 are terminals
	out           int     // where the master's output goes: the caller's first tty of 1, 2, 0
	saved         *unix.Termios
	stop          [2]int // closing stop[1] ends the relays
	done          chan struct{}
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// newTerminal opens a pty when any of fds 0-2 is a terminal, with the
// caller's terminal settings and window size, its slave owned by uid. It
// returns nil when none is: pipes and files (scp, sftp, rsync) go to the
// session unchanged.
func newTerminal(uid uint32) (*terminal, error) {
	t := &terminal{master: -1, slave: -1, out: -1, stop: [2]int{-1, -1}}
	for fd := 2; fd >= 0; fd-- {
		t.isTTY[fd] = isTerminal(fd)
	}
	for _, fd := range []int{1, 2, 0} {
		if t.isTTY[fd] {
			t.out = fd
			break
		}
	}
	if t.out < 0 {
		return nil, nil
	}
	var err error
	t.master, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(t.master, unix.TIOCSPTLCK, 0); err != nil {
		t.close()
		return nil, fmt.Errorf("unlock pty: %w", err)
	}
	// TIOCGPTPEER: the slave of this very master, without a path lookup.
	fd, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(t.master), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errno != 0 {
		t.close()
		return nil, fmt.Errorf("open the pty's slave (TIOCGPTPEER): %w", errno)
	}
	t.slave = int(fd)
	from := t.out
	if t.isTTY[0] {
		from = 0
	}
	if tio, err := unix.IoctlGetTermios(from, unix.TCGETS); err == nil {
		unix.IoctlSetTermios(t.slave, unix.TCSETS, tio)
	}
	t.resize()
	if err := unix.Fchown(t.slave, int(uid), -1); err != nil {
		t.close()
		return nil, fmt.Errorf("chown the session's pty: %w", err)
	}
	if err := unix.Fchmod(t.slave, 0o620); err != nil {
		t.close()
		return nil, fmt.Errorf("chmod the session's pty: %w", err)
	}
	if err := unix.Pipe2(t.stop[:], unix.O_CLOEXEC); err != nil {
		t.close()
		return nil, fmt.Errorf("pipe: %w", err)
	}
	return t, nil
}

// childFiles are the session's fds 0-2: the slave for each that is a
// terminal, the caller's own fd for the others. ctty is the first slave.
func (t *terminal) childFiles() (files []uintptr, ctty int) {
	files = []uintptr{0, 1, 2}
	if t == nil {
		return files, -1
	}
	ctty = -1
	for fd := 0; fd < 3; fd++ {
		if t.isTTY[fd] {
			files[fd] = uintptr(t.slave)
			if ctty < 0 {
				ctty = fd
			}
		}
	}
	return files, ctty
}

// resize gives the pty the caller's window size; the kernel tells the
// session's foreground process group (SIGWINCH).
func (t *terminal) resize() {
	if ws, err := unix.IoctlGetWinsize(t.out, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(t.master, unix.TIOCSWINSZ, ws)
	}
}

// raw puts the caller's terminal in raw mode when the session reads it:
// line editing, echo and ^C are the pty's business now.
func (t *terminal) raw() {
	if !t.isTTY[0] {
		return
	}
	tio, err := unix.IoctlGetTermios(0, unix.TCGETS)
	if err != nil {
		return
	}
	if t.saved == nil {
		saved := *tio
		t.saved = &saved
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	unix.IoctlSetTermios(0, unix.TCSETSW, tio)
}

// restore gives the caller's terminal its settings back.
func (t *terminal) restore() {
	if t.saved != nil {
		unix.IoctlSetTermios(0, unix.TCSETSW, t.saved)
	}
}

// start runs in the parent after its drop: the slave is the session's
// alone from now on, and two relays copy the caller's input to the pty and
// the pty's output to the caller.
func (t *terminal) start() {
	unix.Close(t.slave)
	t.slave = -1
	t.raw()
	t.done = make(chan struct{})
	if t.isTTY[0] {
		go t.copyIn()
	}
	go func() {
		t.copyOut()
		close(t.done)
	}()
}

// finish ends the relays once the session has exited: what it wrote is
// still delivered, then the caller's terminal gets its settings back. Its
// background jobs may hold the slave open: they are not waited for.
func (t *terminal) finish() {
	if t.done != nil {
		unix.Close(t.stop[1])
		t.stop[1] = -1
		<-t.done
	}
	t.restore()
}

// copyIn copies the caller's input to the pty until the caller's terminal
// goes away or the session ends. At end of input it sends the pty's EOF
// character once, as su --pty does.
func (t *terminal) copyIn() {
	buf := make([]byte, 4096)
	for {
		if !t.wait(0) {
			return
		}
		n, err := unix.Read(0, buf)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if n <= 0 {
			if tio, err := unix.IoctlGetTermios(t.master, unix.TCGETS); err == nil {
				unix.Write(t.master, []byte{tio.Cc[unix.VEOF]})
			}
			return
		}
		if writeAll(t.master, buf[:n]) != nil {
			return
		}
	}
}

// copyOut copies the pty's output to the caller until the last holder of
// the slave closes it (EIO), or, once told to stop, until nothing is left
// to read right now.
func (t *terminal) copyOut() {
	buf := make([]byte, 4096)
	stopping := false
	for {
		if !stopping && !t.wait(t.master) {
			stopping = true
			unix.SetNonblock(t.master, true)
		}
		n, err := unix.Read(t.master, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if n <= 0 {
			return
		}
		if writeAll(t.out, buf[:n]) != nil {
			return
		}
	}
}

// wait polls fd and the stop pipe: false once stop is closed.
func (t *terminal) wait(fd int) bool {
	for {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(t.stop[0]), Events: unix.POLLIN}}
		_, err := unix.Poll(p, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || p[1].Revents != 0 {
			return false
		}
		if p[0].Revents != 0 {
			return true
		}
	}
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func (t *terminal) close() {
	for _, fd := range []*int{&t.master, &t.slave, &t.stop[0], &t.stop[1]} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}
