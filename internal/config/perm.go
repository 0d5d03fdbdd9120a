package config

// Who may write the configuration decides who lands where, as root. Like
// doas, trust the file only if root owns it and nobody else can write it
// or any directory above it (a writable directory lets its writer replace
// the file). Sticky directories such as /tmp are refused too: the sticky
// bit stops deletion, not creation of a new name we would then read.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// maxConfigSize caps what we read as root from one configuration file.
const maxConfigSize = 1 << 20

// Tests replace these to run as an ordinary user on a temporary tree.
var (
	rootUID  uint32 = 0
	walkRoot        = "/" // the last directory checked, inclusive
)

// CheckOwnership accepts path if it is a regular file (not a symbolic
// link) owned by root and not writable by group or others, reached from /
// through directories owned by root and not writable by group or others
// (walk: a symbolic link on the way counts only if root made it there).
func CheckOwnership(path string) error {
	fd, shown, err := walk(path, false)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	// The walk followed a last component that is root's link; the file
	// itself must not be one (readConfig opens it with O_NOFOLLOW).
	fi, err := os.Lstat(path)
	if err != nil {
		return plain(err)
	}
	if err := checkFile(path, fi); err != nil {
		return err
	}
	return checkFd(fd, shown, syscall.S_IFREG)
}

func checkFile(path string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s: is a symbolic link", path)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	return checkOwner(path, fi)
}

func checkOwner(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot tell its owner", path)
	}
	return checkStat(path, st)
}

func checkStat(path string, st *syscall.Stat_t) error {
	if st.Uid != rootUID {
		return fmt.Errorf("%s: owned by uid %d, not root (fix: chown root %s)", path, st.Uid, path)
	}
	if mode := uint32(st.Mode) & 0o7777; mode&0o022 != 0 {
		return fmt.Errorf("%s: writable by group or others (mode %04o; fix: chmod go-w %s)", path, mode, path)
	}
	return nil
}

// plain words a failed file system call for the admin: the path and what
// went wrong ("no such file or directory"), not the system call's name.
// The cause stays wrapped for errors.Is.
func plain(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// checkDirsMissingOK checks an include directory that may not exist: then
// the nearest existing directory above it is what stops someone from
// creating it.
func checkDirsMissingOK(dir string) error {
	fd, shown, err := walk(dir, true)
	if err != nil || fd < 0 {
		return err
	}
	defer syscall.Close(fd)
	return checkFd(fd, shown, syscall.S_IFDIR)
}

// ReadOwned reads a file whose contents carry authority (the config, a
// jail's pidfile, machined's state): CheckOwnership, then readConfig.
func ReadOwned(path string) ([]byte, error) {
	fd, shown, err := walkOpen(path, false, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY)
	if err != nil {
		return nil, err
	}
	// The walk followed a last component that is root's link; the file
	// itself must not be one.
	fi, err := os.Lstat(path)
	if err == nil {
		err = checkFile(path, fi)
	}
	if err != nil {
		syscall.Close(fd)
		return nil, plain(err)
	}
	return readFd(fd, shown, checkFile)
}

// readConfig reads a configuration file already passed by CheckOwnership.
// O_NOFOLLOW and the checks on the open descriptor close the window
// between that check and this open; O_NONBLOCK keeps a FIFO from hanging
// us before fstat can refuse it. It is cleared before the descriptor
// becomes an *os.File, which would otherwise register it with Go's
// poller: inside sshd (pam_jailme) that would leave an epoll fd behind.
func readConfig(path string) ([]byte, error) { return readChecked(path, checkFile) }

// readChecked is readConfig with the check on the open file given.
func readChecked(path string, check func(string, fs.FileInfo) error) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|
			syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return readFd(fd, path, check)
}

// readFd reads the file open on fd (O_NONBLOCK, which it clears for a
// regular file), checked again on the descriptor by check, and closes it.
func readFd(fd int, path string, check func(string, fs.FileInfo) error) ([]byte, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		if err := syscall.SetNonblock(fd, false); err != nil {
			syscall.Close(fd)
			return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
		}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(path, fi); err != nil {
		return nil, err
	}
	if fi.Size() > maxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfigSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfigSize)
	}
	return data, nil
}

// CheckDirOwnership accepts a directory (not a symbolic link) that is owned
// by root and not writable by group or others, with every directory above
// it likewise: a chroot jail's root, whose /etc/passwd we are about to trust.
func CheckDirOwnership(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return plain(err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s: is a symbolic link", path)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", path)
	}
	fd, shown, err := walk(path, false)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	return checkFd(fd, shown, syscall.S_IFDIR)
}
