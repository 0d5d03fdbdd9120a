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
	"path/filepath"
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
// link) owned by root and not writable by group or others, and every
// directory above it is owned by root and not writable by group or others.
func CheckOwnership(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return plain(err)
	}
	if err := checkFile(path, fi); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// Walk the directories as the kernel will resolve them.
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return checkDirs(dir)
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

// checkDirs checks dir and every directory above it up to walkRoot.
func checkDirs(dir string) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Lstat(d)
		if err != nil {
			return plain(err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a directory", d)
		}
		if err := checkOwner(d, fi); err != nil {
			return err
		}
		if d == walkRoot || d == "/" || d == "." {
			return nil
		}
	}
}

// checkDirsMissingOK is checkDirs for an include directory that may not
// exist: then the nearest existing directory above it is what stops
// someone from creating it.
func checkDirsMissingOK(dir string) error {
	d := filepath.Clean(dir)
	for {
		_, err := os.Lstat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || d == "/" {
			return err
		}
		d = filepath.Dir(d)
	}
	resolved, err := filepath.EvalSymlinks(d)
	if err != nil {
		return err
	}
	return checkDirs(resolved)
}

// ReadOwned reads a file whose contents carry authority (the config, a
// jail's pidfile, machined's state): CheckOwnership, then readConfig.
func ReadOwned(path string) ([]byte, error) {
	if err := CheckOwnership(path); err != nil {
		return nil, err
	}
	return readConfig(path)
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
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return checkDirs(abs)
}
