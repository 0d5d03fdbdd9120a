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
	"fmt"

	"golang.org/x/sys/unix"
)

// terminal is the session's pty and the caller's terminal it stands for.
type terminal struct {
	master, slave int
	isTTY         [3]bool // which of the caller's fds 0-2 are terminals
	out           int     // where the master's output goes: the caller's first tty of 1, 2, 0
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
	t := &terminal{master: -1, slave: -1, out: -1}
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
	if ws, err := unix.IoctlGetWinsize(t.out, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(t.master, unix.TIOCSWINSZ, ws)
	}
	if err := unix.Fchown(t.slave, int(uid), -1); err != nil {
		t.close()
		return nil, fmt.Errorf("chown the session's pty: %w", err)
	}
	if err := unix.Fchmod(t.slave, 0o620); err != nil {
		t.close()
		return nil, fmt.Errorf("chmod the session's pty: %w", err)
	}
	return t, nil
}

func (t *terminal) close() {
	for _, fd := range []*int{&t.master, &t.slave} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}
