package jail

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/logincap"
)

// A FreeBSD jail is a prison in the kernel, found by jid or by name with
// jail_get(2) as jexec(8) does (libjail's jail_getid), entered with
// jail_attach(2).
type Jail struct {
	name     string // as the configuration names it
	jid      int
	kname    string // as the kernel names it, relative to our own jail
	path     string // the jail's root as jail_get reports it
	root     *os.File
	dev, ino uint64 // of root: Run checks the jail's "/" is this directory
}

// Locate finds the running jail c names and opens its root directory,
// without entering it.
func Locate(c *config.Jail) (*Jail, error) {
	for _, k := range []struct{ key, val string }{
		{"pidfile", c.Pidfile}, {"machine", c.Machine}, {"path", c.Path},
		{"docker", c.Docker}, {"podman", c.Podman}, {"oci", c.OCI}, {"lxc", c.LXC},
		{"containerd", c.Containerd},
	} {
		if k.val != "" {
			return nil, errorf(c.Name, "%s: %s is for Linux jails; FreeBSD finds a jail by jid or by its name", c.Pos.String(), k.key)
		}
	}
	jid, name, err := target(c)
	if err != nil {
		return nil, &Error{Jail: c.Name, Err: err}
	}
	info, err := lookup(jid, name)
	if err != nil {
		return nil, &Error{Jail: c.Name, Err: err}
	}
	// The path is the kernel's, canonical when the jail was created
	// (vn_path_to_global_path), so its last component is no symlink;
	// O_NOFOLLOW refuses one that appeared since. O_SEARCH (O_EXEC) is
	// enough for openat(2) relative to it, which is all userdb does.
	fd, err := unix.Open(info.path, unix.O_SEARCH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, errorf(c.Name, "open %s (root of jid %d): %w", info.path, info.jid, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, errorf(c.Name, "fstat %s: %w", info.path, err)
	}
	return &Jail{
		name:  c.Name,
		jid:   info.jid,
		kname: info.name,
		path:  info.path,
		root:  os.NewFile(uintptr(fd), info.path),
		dev:   st.Dev,
		ino:   st.Ino,
	}, nil
}

// target says how to ask the kernel for c: by jid, or by name, where a
// name of digits only is a jid, as libjail's jail_getid reads it (the
// kernel refuses numeric jail names other than the jail's own jid).
func target(c *config.Jail) (jid int32, name string, err error) {
	if c.JID != 0 {
		if c.JID < 0 || c.JID > math.MaxInt32 {
			return 0, "", fmt.Errorf("%s: jid %d is not a jail id", c.Pos.String(), c.JID)
		}
		return int32(c.JID), "", nil
	}
	if c.Name == "" {
		return 0, "", fmt.Errorf("%s: no jid and no name", c.Pos.String())
	}
	if digits(c.Name) {
		n, err := strconv.ParseInt(c.Name, 10, 32)
		if err != nil {
			return 0, "", fmt.Errorf("%s: %q is not a jail id", c.Pos.String(), c.Name)
		}
		if n == 0 {
			return 0, "", fmt.Errorf("%s: jid 0 is the host, not a jail", c.Pos.String())
		}
		return int32(n), "", nil
	}
	if len(c.Name) >= maxHostNameLen || bytes.IndexByte([]byte(c.Name), 0) >= 0 {
		return 0, "", fmt.Errorf("%s: %q cannot be a jail name", c.Pos.String(), c.Name)
	}
	return 0, c.Name, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

type jailInfo struct {
	jid  int
	name string
	path string
}

// lookup asks the kernel for the live jail with the given jid, or with
// the given name when jid is 0. kern_jail_get looks for "lastjid", then a
// non-zero "jid", then "name": so the jid we send along with a name must be
// 0, and the name buffer we send with a jid is only written to.
func lookup(jid int32, name string) (jailInfo, error) {
	what := fmt.Sprintf("jid=%d", jid)
	if jid == 0 {
		what = "name=" + name
	}
	jidBuf := intParam(jid)
	nameBuf := make([]byte, maxHostNameLen)
	copy(nameBuf, name)
	pathBuf := make([]byte, maxPathLen)
	errBuf := make([]byte, jailErrmsgLen)
	got, err := jailGet([]param{
		{"jid", jidBuf},
		{"name", nameBuf},
		{"path", pathBuf},
		{"errmsg", errBuf},
	})
	if err != nil {
		msg := cstring(errBuf)
		if msg == "" {
			msg = err.Error()
		}
		if errors.Is(err, unix.ENOENT) {
			return jailInfo{}, fmt.Errorf("jail_get(%s): %s: %w", what, msg, ErrNotRunning)
		}
		return jailInfo{}, fmt.Errorf("jail_get(%s): %s: %w", what, msg, err)
	}
	info := jailInfo{jid: got, name: cstring(nameBuf), path: cstring(pathBuf)}
	switch {
	case info.jid <= 0:
		return jailInfo{}, fmt.Errorf("jail_get(%s): jid %d is the host, not a jail", what, info.jid)
	case int(intValue(jidBuf)) != info.jid:
		return jailInfo{}, fmt.Errorf("jail_get(%s): returned jid %d but reported %d", what, info.jid, intValue(jidBuf))
	case jid != 0 && info.jid != int(jid):
		return jailInfo{}, fmt.Errorf("jail_get(%s): found jid %d", what, info.jid)
	case jid == 0 && info.name != name:
		return jailInfo{}, fmt.Errorf("jail_get(%s): found jail %q", what, info.name)
	case len(info.path) == 0 || info.path[0] != '/':
		return jailInfo{}, fmt.Errorf("jail_get(%s): path %q is not an absolute path", what, info.path)
	case info.path == "/":
		// Such a jail sees our own root: its passwd is ours, nothing
		// of the file system is confined (the Linux side refuses a
		// "jail" in the host's mount namespace likewise).
		return jailInfo{}, fmt.Errorf("jail_get(%s): jid %d has path /: it shares our root, it is not a jail", what, info.jid)
	}
	return info, nil
}

// cstring is b up to its first NUL; the kernel writes strings with
// strlcpy, so a buffer with no NUL means nothing was written.
func cstring(b []byte) string {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return ""
	}
	return string(b[:i])
}

// Root is the jail's root directory, for reading its files by fd.
func (j *Jail) Root() *os.File { return j.root }

func (j *Jail) String() string { return fmt.Sprintf("%s (jid %d)", j.name, j.jid) }

// Where is the short form for the audit line.
func (j *Jail) Where() string { return "jid:" + strconv.Itoa(j.jid) }

// CheckConfinement has nothing to refuse on FreeBSD: the kernel confines
// whatever jail_attach puts in the jail.
func (j *Jail) CheckConfinement() error { return nil }

// CarrySeccomp has nothing to copy on FreeBSD (no seccomp; the jail
// confines what enters it).
func (j *Jail) CarrySeccomp() error { return nil }

// Close releases the root directory Locate opened.
func (j *Jail) Close() error {
	if j.root == nil {
		return nil
	}
	err := j.root.Close()
	j.root = nil
	return err
}

// Run makes this process the session, as jexec(8) does: it attaches to the
// jail, drops to s.Cred and executes s.Path. It returns only on error, and
// once jail_attach has succeeded the process is inside the jail, possibly
// still root: the caller must then report and exit, nothing else.
func (j *Jail) Run(s Session) (status int, err error) {
	if j.root == nil {
		return 1, errorf(j.name, "the jail was closed before Run")
	}
	// The login class, as jexec -l: both sides' files read before
	// attaching (loginclass_freebsd.go).
	lc, err := j.loginClass(s.Cred)
	if err != nil {
		return 1, errorf(j.name, "login class: %w", err)
	}
	for _, n := range lc.Notices {
		s.notice(n)
	}
	supplementaryOnly, err := j.attach()
	if err != nil {
		return 1, &Error{Jail: j.name, Err: err}
	}
	// The jail's class environment, then who the user is: USER, HOME,
	// SHELL and LOGNAME are the identity check's, whatever the class says
	// (jexec -l sets USER, HOME and SHELL after setusercontext too).
	env := logincap.Apply(s.Env, lc.Env)
	for _, kv := range [][2]string{{"HOME", s.Cred.Home}, {"USER", s.Cred.Name}, {"LOGNAME", s.Cred.Name}, {"SHELL", s.Cred.Shell}} {
		env = setenv(env, kv[0], kv[1])
	}
	// The host's privileged items, as root, as late as possible: Go's
	// runtime maps memory as it goes, and a class's vmemoryuse below what
	// it has reserved would make a later mapping fatal.
	if err := setPrivileged(lc.Privileged); err != nil {
		return 1, errorf(j.name, "login class: %w", err)
	}
	// Everything about the user comes from s.Cred, decided before
	// attaching: no passwd, group or NSS lookup inside the jail, where
	// root of the jail controls the files and libraries (sudo
	// CVE-2025-32463).
	if err := drop(s.Cred, supplementaryOnly); err != nil {
		return 1, &Error{Jail: j.name, Err: err}
	}
	if err := unix.Chdir(s.Cred.Home); err != nil {
		s.notice(fmt.Sprintf("no home directory %s, logging in with HOME=/", s.Cred.Home))
		if err := unix.Chdir("/"); err != nil {
			return 1, errorf(j.name, "chdir(/): %w", err)
		}
		env = setenv(env, "HOME", "/")
	}
	err = syscall.Exec(s.Path, s.Argv, env)
	return 1, errorf(j.name, "execve(%s): %w", s.Path, err)
}

// attach enters the jail Locate found, and only that one. It first asks
// the running kernel which setgroups it has (the answer drop needs): from
// inside the jail, kern.osreldate would be the jail's.
func (j *Jail) attach() (supplementaryOnly bool, err error) {
	if j.root == nil {
		return false, errors.New("the jail was closed before Run")
	}
	if supplementaryOnly, err = groupsSupplementaryOnly(); err != nil {
		return false, err
	}
	// The jail may have been removed and another created since Locate
	// (its jid reused, or the name given to a new jail): then the
	// passwd and group files we checked were not this jail's.
	now, err := lookup(int32(j.jid), "")
	if err != nil {
		return false, err
	}
	if now.name != j.kname || now.path != j.path {
		return false, fmt.Errorf("jid %d is now %q at %s, not %q at %s as located: refusing", j.jid, now.name, now.path, j.kname, j.path)
	}
	if err := jailAttach(j.jid); err != nil {
		return false, fmt.Errorf("jail_attach(%d): %w", j.jid, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return false, fmt.Errorf("chdir(/): %w", err)
	}
	// Our root is now the jail's. It must be the directory whose files
	// the identity check read, not one mounted or renamed over its path
	// since the jail was created.
	var st unix.Stat_t
	if err := unix.Stat("/", &st); err != nil {
		return false, fmt.Errorf("stat(/) in jid %d: %w", j.jid, err)
	}
	if st.Dev != j.dev || st.Ino != j.ino {
		return false, fmt.Errorf("the root of jid %d is not the directory %s opened before attaching: refusing", j.jid, j.path)
	}
	return supplementaryOnly, nil
}

// drop sets the groups, then the gid, then the uid (after the uid we could
// no longer change the others), then checks that all of it stuck.
// supplementaryOnly is the kernel's setgroups ABI, probed before attaching.
func drop(c identity.Cred, supplementaryOnly bool) error {
	// (uid_t)-1 and (gid_t)-1 mean "leave unchanged" to setresuid and
	// setresgid: we would stay root.
	if c.UID == math.MaxUint32 || c.GID == math.MaxUint32 {
		return fmt.Errorf("uid %d / gid %d: -1 is not an id", c.UID, c.GID)
	}
	list := groupList(c, supplementaryOnly)
	if err := setgroups(supplementaryOnly, list); err != nil {
		return fmt.Errorf("setgroups(%v): %w", list, err)
	}
	if err := setresgid(c.GID, c.GID, c.GID); err != nil {
		return fmt.Errorf("setresgid(%d, %d, %d): %w", c.GID, c.GID, c.GID, err)
	}
	if err := setresuid(c.UID, c.UID, c.UID); err != nil {
		return fmt.Errorf("setresuid(%d, %d, %d): %w", c.UID, c.UID, c.UID, err)
	}
	return verify(c, supplementaryOnly)
}

// verify reads back the credentials: the exec happens only if they are
// exactly what the identity check decided.
func verify(c identity.Cred, modern bool) error {
	r, e, s, err := getresuid()
	if err != nil {
		return fmt.Errorf("getresuid: %w", err)
	}
	if r != c.UID || e != c.UID || s != c.UID {
		return fmt.Errorf("uids are %d/%d/%d after setresuid(%d): refusing", r, e, s, c.UID)
	}
	r, e, s, err = getresgid()
	if err != nil {
		return fmt.Errorf("getresgid: %w", err)
	}
	if r != c.GID || e != c.GID || s != c.GID {
		return fmt.Errorf("gids are %d/%d/%d after setresgid(%d): refusing", r, e, s, c.GID)
	}
	got, err := getgroups(modern)
	if err != nil {
		return fmt.Errorf("getgroups: %w", err)
	}
	return sameGroups(c, got, modern)
}

// HostCred is c: a FreeBSD jail shares the host's ids.
func (j *Jail) HostCred(c identity.Cred) (identity.Cred, error) { return c, nil }

// OwnUserNS is false: FreeBSD has no user namespaces.
func (j *Jail) OwnUserNS() bool { return false }
