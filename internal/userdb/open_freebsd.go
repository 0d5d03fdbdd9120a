package userdb

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The jail's account file as jailme reads it: master.passwd, the source of
// the databases the jail's libc reads (accountdb.go), and the only file
// with the login class. It is root's only (0600); jailsh reads it as root,
// by fd beneath the jail's root, before anything of the jail runs.
const jailPasswd = "/etc/master.passwd"

var parseJailPasswd = ParseMasterPasswd

// The databases pwd_mkdb builds from it (getpwent.c: _PATH_MP_DB,
// _PATH_SMP_DB).
var jailPasswdDBs = []string{"/etc/pwd.db", "/etc/spwd.db"}

// checkAccountDB refuses a master.passwd newer than either database.
func checkAccountDB(root, master *os.File) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(master.Fd()), &st); err != nil {
		return fmt.Errorf("%s: fstat: %w", jailPasswd, err)
	}
	m := FileTime{Path: jailPasswd, Exists: true, Mtime: time.Unix(st.Mtim.Unix())}
	dbs := make([]FileTime, 0, len(jailPasswdDBs))
	for _, p := range jailPasswdDBs {
		t, err := statInRoot(root, p)
		if err != nil {
			return err
		}
		dbs = append(dbs, t)
	}
	return CheckAccountDB(m, dbs...)
}

// statInRoot is the mtime of path beneath root; a database can be larger
// than MaxFileSize and is never read, so it is only opened and fstat'ed.
func statInRoot(root *os.File, path string) (FileTime, error) {
	t := FileTime{Path: path}
	fd, err := openInRoot(root, path)
	if errors.Is(err, unix.ENOENT) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return t, fmt.Errorf("%s: fstat: %w", path, err)
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFREG {
		return t, fmt.Errorf("%s: not a regular file", path)
	}
	t.Exists, t.Mtime = true, time.Unix(st.Mtim.Unix())
	return t, nil
}

func openInRoot(root *os.File, path string) (int, error) {
	// O_RESOLVE_BENEATH refuses absolute paths: "/etc/passwd" is asked
	// for as "etc/passwd" relative to the jail root.
	rel := strings.TrimLeft(path, "/")
	if rel == "" {
		rel = "."
	}
	defer runtime.KeepAlive(root)
	fd, err := unix.Openat(int(root.Fd()), rel,
		unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_RESOLVE_BENEATH, 0)
	if err != nil {
		return -1, err
	}
	return fd, nil
}
