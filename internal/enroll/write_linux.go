package enroll

// Writing into a jail is writing into files its root controls. Everything
// here goes by fd under the jail's root: /etc is opened with openat2
// RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS (absolute links, "../.." and
// /proc/1/root/... stay in or fail), then each file relative to it with
// O_NOFOLLOW (a link is refused, wherever it points). Only regular files
// with one link are read; none is written in place: a new file is made in
// the same directory, given the old one's owner and mode, synced, and
// renamed over it. No program of the jail runs.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/userdb"
)

// Owner is who the new home belongs to, in host ids (a jail with a user
// namespace of its own maps the account's ids to others).
type Owner struct{ UID, GID uint32 }

// Enroll makes the jail under root agree with a: passwd, group, and a home
// directory owned by home when the jail has none. With dryRun it only says
// what it would change. It returns the changes, none when the jail already
// agrees.
func Enroll(root *os.File, a Account, home Owner, dryRun bool) ([]string, error) {
	changes, err := update(root, dryRun, func(pw, gr []byte) ([]Edit, error) {
		pe, err := EditPasswd(pw, a)
		if err != nil {
			return nil, err
		}
		ge, err := EditGroup(gr, a)
		if err != nil {
			return nil, err
		}
		return []Edit{ge, pe}, nil
	})
	if err != nil {
		return changes, err
	}
	c, err := makeHome(root, a.User.Home, home, dryRun)
	if c != "" {
		changes = append(changes, c)
	}
	return changes, err
}

// Purge removes from the jail under root the entries enroll would write
// for a, where they are still exactly that (PurgePasswd, PurgeGroup). The
// home directory stays: it holds the user's files.
func Purge(root *os.File, a Account, dryRun bool) ([]string, error) {
	return update(root, dryRun, func(pw, gr []byte) ([]Edit, error) {
		return []Edit{PurgePasswd(pw, a), PurgeGroup(gr, a)}, nil
	})
}

// update reads the jail's passwd and group under its lock, lets edit
// compute the new contents, and replaces the files that change: group
// before passwd, so that a reader never sees the user without the groups.
func update(root *os.File, dryRun bool, edit func(pw, gr []byte) ([]Edit, error)) ([]string, error) {
	defer runtime.KeepAlive(root)
	etc, err := openEtc(root)
	if err != nil {
		return nil, err
	}
	defer unix.Close(etc)
	// Every file is made in /etc: only where the jail's root could (a
	// host directory bound over it is another owner's).
	var rootSt unix.Stat_t
	if err := unix.Fstat(int(root.Fd()), &rootSt); err != nil {
		return nil, fmt.Errorf("jail root: fstat: %w", err)
	}
	if err := ownedBy(etc, rootSt.Uid); err != nil {
		return nil, fmt.Errorf("/etc in the jail: %w", err)
	}
	if !dryRun {
		unlock, err := lockPasswd(etc)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	pw, err := readFile(etc, "passwd")
	if err != nil {
		return nil, err
	}
	defer pw.close()
	gr, err := readFile(etc, "group")
	if err != nil {
		return nil, err
	}
	defer gr.close()
	edits, err := edit(pw.data, gr.data)
	if err != nil {
		return nil, fmt.Errorf("in the jail: %w", err)
	}
	var changes []string
	for _, e := range edits {
		changes = append(changes, e.Changes...)
	}
	if dryRun {
		return changes, nil
	}
	for _, e := range edits {
		if e.New == nil {
			continue
		}
		f := gr
		if e.File == passwdFile {
			f = pw
		}
		if err := replace(etc, f, e.New); err != nil {
			return nil, err
		}
	}
	if err := unix.Fsync(etc); err != nil {
		return nil, fmt.Errorf("/etc in the jail: fsync: %w", err)
	}
	return changes, nil
}

// openEtc opens the jail's /etc: a link on the way is resolved as if the
// jail's root were "/", and /proc magic links are refused.
func openEtc(root *os.File) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for try := 0; ; try++ {
		fd, err := unix.Openat2(int(root.Fd()), "/etc", &how)
		if errors.Is(err, unix.EAGAIN) && try < 3 {
			continue // a rename raced "..": retry a little, as userdb does
		}
		if err != nil {
			return -1, fmt.Errorf("/etc in the jail: %w", err)
		}
		return fd, nil
	}
}

// lockPasswd takes the locks the jail's own tools take: lckpwdf(3)'s
// fcntl lock on /etc/.pwd.lock (shadow-utils, glibc), waiting as long as
// lckpwdf does; and it refuses while shadow-utils' link locks
// (passwd.lock, group.lock) exist.
func lockPasswd(etc int) (unlock func(), err error) {
	for _, name := range []string{"passwd.lock", "group.lock"} {
		var st unix.Stat_t
		err := unix.Fstatat(etc, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == nil {
			return nil, fmt.Errorf("/etc/%s in the jail exists: another program is editing the accounts (remove it if it is stale)", name)
		}
		if !errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("/etc/%s in the jail: %w", name, err)
		}
	}
	fd, err := openLockFile(etc)
	if err != nil {
		return nil, fmt.Errorf("/etc/.pwd.lock in the jail: %w", err)
	}
	if err := checkRegular(fd, false); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("/etc/.pwd.lock in the jail: %w", err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := waitLock(fd, &lk); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("/etc/.pwd.lock in the jail: %w", err)
	}
	return func() { unix.Close(fd) }, nil
}

// openLockFile opens .pwd.lock, creating it if the jail has none. One we
// create is given to the owner of the jail's /etc: in a jail with a user
// namespace of its own, a file of the host's root would be nobody's there,
// and the jail's own lckpwdf could no longer open it.
func openLockFile(etc int) (int, error) {
	// O_NONBLOCK: a lease the jail's root holds would make a blocking
	// open wait for fs.lease-break-time (45 s); checkRegular clears it.
	const flags = unix.O_WRONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	fd, err := unix.Openat(etc, ".pwd.lock", flags|unix.O_NOFOLLOW|unix.O_CREAT|unix.O_EXCL, 0o600)
	if errors.Is(err, unix.EEXIST) {
		return openRegular(etc, ".pwd.lock", flags)
	}
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(etc, &st); err == nil {
		err = unix.Fchown(fd, int(st.Uid), int(st.Gid))
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// lockWait is lckpwdf's timeout.
const lockWait = 15 * time.Second

// waitLock polls for the lock instead of F_SETLKW: a jail process holding
// it forever must not hang the admin's command.
func waitLock(fd int, lk *unix.Flock_t) error {
	deadline := time.Now().Add(lockWait)
	for {
		err := unix.FcntlFlock(uintptr(fd), unix.F_SETLK, lk)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) {
			return fmt.Errorf("lock: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still locked after %v by another program in the jail", lockWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jailFile is one of the jail's account files, open, read, and read-locked
// as busybox's tools lock it (an fcntl lock on the file itself).
type jailFile struct {
	name string
	fd   int
	st   unix.Stat_t
	data []byte
}

func (f *jailFile) close() { unix.Close(f.fd) }

// readFile opens /etc/NAME without following a link, checks that it is a
// regular file with one name, locks it, and reads it whole (capped).
func readFile(etc int, name string) (*jailFile, error) {
	where := "/etc/" + name + " in the jail"
	fd, err := openRegular(etc, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link: enroll edits regular files only", where)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	f := &jailFile{name: name, fd: fd}
	if err := checkRegular(fd, true); err != nil {
		f.close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: io.SeekStart}
	if err := waitLock(fd, &lk); err != nil {
		f.close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	// Locked, it must still be the file the name means: a tool that
	// held the lock has renamed its new file over it meanwhile.
	var now unix.Stat_t
	if err := unix.Fstat(fd, &f.st); err != nil {
		f.close()
		return nil, fmt.Errorf("%s: fstat: %w", where, err)
	}
	if err := unix.Fstatat(etc, name, &now, unix.AT_SYMLINK_NOFOLLOW); err != nil || now.Ino != f.st.Ino || now.Dev != f.st.Dev {
		f.close()
		return nil, fmt.Errorf("%s: replaced while being locked; run again", where)
	}
	if f.data, err = readAll(fd); err != nil {
		f.close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return f, nil
}

// readAll reads fd to its end, at most userdb.MaxFileSize bytes. It reads
// the fd itself: an *os.File would close it, and any close of the file
// drops the process's fcntl locks on it.
func readAll(fd int) ([]byte, error) {
	var b []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		if n == 0 {
			return b, nil
		}
		if b = append(b, buf[:n]...); len(b) > userdb.MaxFileSize {
			return nil, fmt.Errorf("larger than %d bytes", userdb.MaxFileSize)
		}
	}
}

// openRegular opens the jail's /etc/NAME with flags once a look with
// O_PATH, which runs no driver's open, shows a regular file: a device node
// the jail's root put there would act when host root opens it (a watchdog
// starts counting down to a reboot, a tape rewinds). A symbolic link is
// ELOOP, as O_NOFOLLOW makes it for an open.
func openRegular(etc int, name string, flags int) (int, error) {
	pathfd, err := unix.Openat(etc, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pathfd)
	var st unix.Stat_t
	if err := unix.Fstat(pathfd, &st); err != nil {
		return -1, fmt.Errorf("fstat: %w", err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return userdb.Reopen(pathfd, flags)
	case unix.S_IFLNK:
		return -1, unix.ELOOP
	}
	return -1, errors.New("not a regular file")
}

// checkRegular refuses what is not a regular file (a FIFO, a device, a
// directory: a jail admin's trap) and, for the account files, a file with
// another name somewhere (a hard link to a file outside the jail).
func checkRegular(fd int, single bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("fstat: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return errors.New("not a regular file")
	}
	if single && st.Nlink != 1 {
		return fmt.Errorf("has %d hard links: enroll edits a file with one name only", st.Nlink)
	}
	if st.Size > userdb.MaxFileSize {
		return fmt.Errorf("larger than %d bytes", userdb.MaxFileSize)
	}
	return unix.SetNonblock(fd, false)
}

// replace writes data to a new file beside f, with f's owner and mode,
// syncs it and renames it over f's name, all relative to the jail's /etc.
func replace(etc int, f *jailFile, data []byte) error {
	where := "/etc/" + f.name + " in the jail"
	tmp := fmt.Sprintf(".%s.jailme-%d", f.name, os.Getpid())
	fd, err := unix.Openat(etc, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if errors.Is(err, unix.EEXIST) {
		// Ours from a run that died, or planted: it is a name in the
		// jail's /etc, removing it touches nothing else.
		unix.Unlinkat(etc, tmp, 0)
		fd, err = unix.Openat(etc, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	}
	if err != nil {
		return fmt.Errorf("%s: create %s: %w", where, tmp, err)
	}
	err = writeAll(fd, data)
	if err == nil {
		err = unix.Fchown(fd, int(f.st.Uid), int(f.st.Gid))
	}
	if err == nil {
		err = unix.Fchmod(fd, f.st.Mode&0o7777)
	}
	if err == nil {
		err = unix.Fsync(fd)
	}
	unix.Close(fd)
	if err == nil {
		err = unix.Renameat(etc, tmp, etc, f.name)
	}
	if err != nil {
		unix.Unlinkat(etc, tmp, 0)
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

// makeHome creates home in the jail, owned by o, when it does not exist;
// missing parents are made 0755 and given to the owner of the jail's "/",
// and only in directories that owner owns (ownedBy).
// An existing home is the jail's: left as it is.
func makeHome(root *os.File, home string, o Owner, dryRun bool) (string, error) {
	home = path.Clean(home)
	if home == "/" {
		return "", nil
	}
	var rootSt unix.Stat_t
	if err := unix.Fstat(int(root.Fd()), &rootSt); err != nil {
		return "", fmt.Errorf("jail root: fstat: %w", err)
	}
	dir, err := unix.Dup(int(root.Fd()))
	if err != nil {
		return "", fmt.Errorf("jail root: dup: %w", err)
	}
	defer func() { unix.Close(dir) }()
	parts := strings.Split(strings.TrimPrefix(home, "/"), "/")
	for i, name := range parts {
		last := i == len(parts)-1
		sofar := "/" + strings.Join(parts[:i+1], "/")
		next, err := openDirIn(root, sofar)
		if err == nil {
			unix.Close(dir)
			dir = next
			if last {
				return "", nil // the jail has it: its business
			}
			continue
		}
		if !errors.Is(err, unix.ENOENT) {
			return "", fmt.Errorf("%s in the jail: %w", sofar, err)
		}
		if err := ownedBy(dir, rootSt.Uid); err != nil {
			return "", fmt.Errorf("%s in the jail: %w", path.Dir(sofar), err)
		}
		if dryRun {
			return fmt.Sprintf("%s: make directory owned by %d:%d", home, o.UID, o.GID), nil
		}
		mode, uid, gid := uint32(0o755), rootSt.Uid, rootSt.Gid
		if last {
			mode, uid, gid = 0o700, o.UID, o.GID
		}
		next, err = mkdirAt(dir, name, mode, uid, gid)
		if err != nil {
			return "", fmt.Errorf("%s in the jail: %w", sofar, err)
		}
		unix.Close(dir)
		dir = next
	}
	return fmt.Sprintf("%s: made, owned by %d:%d", home, o.UID, o.GID), nil
}

// ownedBy refuses a directory not owned by uid, the jail's root: host
// root makes a file or directory only where the jail's root could. A
// jail's root in a user namespace of its own may bind over its /etc or
// /home a host directory bound into the jail, which it cannot write: our
// files would replace the host's there, and a home made there would give
// it, through the user's uid, a directory of its own on the host.
func ownedBy(dir int, uid uint32) error {
	var st unix.Stat_t
	if err := unix.Fstat(dir, &st); err != nil {
		return fmt.Errorf("fstat: %w", err)
	}
	if st.Uid != uid {
		return fmt.Errorf("belongs to uid %d, not to the jail's root (uid %d): enroll writes only in a directory the jail's root owns", st.Uid, uid)
	}
	return nil
}

// openDirIn opens a directory of the jail by its path there, links
// resolved inside.
func openDirIn(root *os.File, p string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	return unix.Openat2(int(root.Fd()), p, &how)
}

// mkdirRaced, for tests, is what the jail's root does between mkdirAt's
// mkdirat and its open.
var mkdirRaced func()

// mkdirAt makes name in dir and gives it to uid:gid by fd: the name is
// opened without following a link or crossing a mount, so what the jail
// swaps in meanwhile is refused or is a directory of the jail's own.
func mkdirAt(dir int, name string, mode, uid, gid uint32) (int, error) {
	if err := unix.Mkdirat(dir, name, mode); err != nil {
		return -1, fmt.Errorf("mkdir: %w", err)
	}
	if mkdirRaced != nil {
		mkdirRaced()
	}
	// RESOLVE_NO_XDEV: a jail's root in a user namespace may mount on
	// the new name, before this open, a host directory bound into the
	// jail; crossing into it would chown that directory to the user.
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH,
	}
	fd, err := unix.Openat2(dir, name, &how)
	if err != nil {
		return -1, fmt.Errorf("open: %w", err)
	}
	if err := unix.Fchown(fd, int(uid), int(gid)); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("chown: %w", err)
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("chmod: %w", err)
	}
	return fd, nil
}
