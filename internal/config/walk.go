package config

// Paths are walked as written, one component at a time from /, the way the
// kernel resolves them, and every directory a component is looked up in is
// checked on the way. Resolving first (EvalSymlinks) and checking the
// directories of the result misses the directories that hold a symbolic
// link, and the link itself: with pidfile = /srv/pub/jl/web.pid, /srv/pub
// mode 1777 and jl a user's symlink, the user re-pointed jl at another
// container's /proc/PID/root/run and chose the jail. A symbolic link is
// followed only if root owns it and the directory holding it passes the
// checks (/var/run -> /run stays usable); each step opens the next
// directory by fd with O_NOFOLLOW, so what was checked is what is used.

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxLinks is the kernel's limit on symbolic links in one resolution
// (MAXSYMLINKS).
const maxLinks = 40

// walk resolves path from / and returns an O_PATH descriptor of what it
// names (never a symbolic link: the last one is followed like the others)
// and the path as resolved, for messages. With missingOK, a component that
// does not exist ends the walk without an error and with fd -1: everything
// above it was checked, and that is what stops someone from creating it.
func walk(path string, missingOK bool) (int, string, error) {
	return walkOpen(path, missingOK, oPath)
}

// walkOpen is walk opening the last component with flags (O_NOFOLLOW and
// O_CLOEXEC added), so that what is read is what the walk reached.
func walkOpen(path string, missingOK bool, flags int) (int, string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return -1, "", fmt.Errorf("%s: %w", path, err)
	}
	fd, err := openPath(-1, "/", oPath|unix.O_DIRECTORY)
	if err != nil {
		return -1, "", fmt.Errorf("/: %w", err)
	}
	cur := "/"
	todo := strings.Split(abs, "/")
	for links := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			next, err := openPath(fd, "..", oPath|unix.O_DIRECTORY)
			unix.Close(fd)
			if err != nil {
				return -1, "", fmt.Errorf("%s/..: %w", cur, err)
			}
			fd, cur = next, filepath.Dir(cur)
			continue
		}
		shown := filepath.Join(cur, c)
		var st unix.Stat_t
		err := unix.Fstatat(fd, c, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err != nil {
			if missingOK && errors.Is(err, unix.ENOENT) {
				err = checkHolderFd(cur, fd)
				unix.Close(fd)
				return -1, shown, err
			}
			unix.Close(fd)
			return -1, "", fmt.Errorf("%s: %w", shown, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			target, err := followable(fd, cur, c, st.Uid, links)
			if err != nil {
				unix.Close(fd)
				return -1, "", err
			}
			links++
			todo = append(strings.Split(target, "/"), todo...)
			if strings.HasPrefix(target, "/") {
				unix.Close(fd)
				if fd, err = openPath(-1, "/", oPath|unix.O_DIRECTORY); err != nil {
					return -1, "", fmt.Errorf("/: %w", err)
				}
				cur = "/"
			}
			continue
		}
		if err := checkHolderFd(cur, fd); err != nil {
			unix.Close(fd)
			return -1, "", err
		}
		how := flags
		if len(todo) > 0 {
			how = oPath | unix.O_DIRECTORY
		} else if flags&oPath == 0 && st.Mode&unix.S_IFMT != unix.S_IFREG {
			// Opening a device or FIFO can act on it: refuse first.
			unix.Close(fd)
			return -1, "", fmt.Errorf("%s: not a regular file", shown)
		}
		next, err := openPath(fd, c, how)
		unix.Close(fd)
		if errors.Is(err, unix.ENOTDIR) {
			return -1, "", fmt.Errorf("%s: not a directory", shown)
		}
		if err != nil {
			return -1, "", fmt.Errorf("%s: %w", shown, err)
		}
		fd, cur = next, shown
	}
	return fd, cur, nil
}

// followable returns the target of the symbolic link name in the directory
// fd (reached as dir), if root made it in a directory only root can write.
func followable(fd int, dir, name string, uid uint32, links int) (string, error) {
	shown := filepath.Join(dir, name)
	if uid != rootUID {
		return "", fmt.Errorf("%s: a symbolic link owned by uid %d, not root: not followed", shown, uid)
	}
	if err := checkHolderFd(dir, fd); err != nil {
		return "", fmt.Errorf("%s: a symbolic link in a directory root alone must write: not followed: %w", shown, err)
	}
	if links >= maxLinks {
		return "", fmt.Errorf("%s: more than %d symbolic links: %w", shown, maxLinks, unix.ELOOP)
	}
	buf := make([]byte, 4096)
	n, err := unix.Readlinkat(fd, name, buf)
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", shown, err)
	}
	if n == len(buf) {
		return "", fmt.Errorf("%s: symbolic link target too long", shown)
	}
	return string(buf[:n]), nil
}

// checkHolderFd checks the directory fd (reached as dir) that a component
// is looked up in: root-owned, not writable by group or others. Above
// walkRoot (tests only) nothing is checked.
func checkHolderFd(dir string, fd int) error {
	if walkRoot != "/" && dir != walkRoot && !strings.HasPrefix(dir, walkRoot+"/") {
		return nil
	}
	return checkFd(fd, dir, syscall.S_IFDIR)
}

func openPath(dirfd int, name string, flags int) (int, error) {
	if dirfd < 0 {
		dirfd = unix.AT_FDCWD
	}
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_NOFOLLOW|unix.O_CLOEXEC|flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// checkFd checks what fd (reached as shown) is: of type kind (S_IFDIR or
// S_IFREG), owned by root, not writable by group or others.
func checkFd(fd int, shown string, kind uint32) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	switch {
	case kind == syscall.S_IFDIR && uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFDIR:
		return fmt.Errorf("%s: not a directory", shown)
	case kind == syscall.S_IFREG && uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFREG:
		return fmt.Errorf("%s: not a regular file", shown)
	}
	return checkStat(shown, &st)
}
