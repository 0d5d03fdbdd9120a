//go:build linux || freebsd

package userdb

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// OpenInRoot opens path (e.g. "/etc/passwd") inside the directory root, a
// jail root the jail's admin controls, without ever leaving it:
//
//   - Linux: openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS. Every
//     "..", absolute path and absolute symlink is resolved as if root were
//     "/", so "etc/passwd -> /etc/shadow" reads the jail's shadow, never
//     the host's; /proc magic links are refused.
//   - FreeBSD: openat(2) with O_RESOLVE_BENEATH. This refuses (ENOTCAPABLE)
//     what would leave root, absolute symlinks included, instead of
//     resolving them inside: a jail whose /etc/passwd is an absolute
//     symlink cannot be read, and its users are denied.
//
// The file must be a regular file of at most MaxFileSize bytes. Linux
// checks that, and that its file system is not one of the kernel's
// interfaces (/proc, /sys), before opening it (open_linux.go); FreeBSD
// opens it O_NONBLOCK so a FIFO cannot hang us, then checks. It may still grow: readers
// cap what they read (ReadJail does).
func OpenInRoot(root *os.File, path string) (*os.File, error) {
	fd, err := openInRoot(root, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkRegular(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// A regular file never blocks; without O_NONBLOCK the *os.File stays
	// out of Go's poller, which would leave an epoll fd in the PAM host.
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// checkRegular refuses anything but a regular file of sane size: a FIFO,
// device (/dev/zero), socket or directory is a jail admin's trap.
func checkRegular(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("fstat: %w", err)
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("not a regular file")
	}
	if st.Size > MaxFileSize {
		return fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return nil
}
