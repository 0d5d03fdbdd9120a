package jail

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/logincap"
	"jailme.dev/jailme/internal/userdb"
)

// A session's login class, as jexec -l gives one (setusercontext with
// LOGIN_SETALL but groups and login name, lib/libutil/login_class.c), with
// each item taken from the side that may decide it:
//
//   - resource limits, priority, umask, the kernel login class
//     (setloginclass(2), which rctl(8) rules match) and the MAC label come
//     from the HOST's /etc/login.conf, for the class of the user's entry in
//     the host's /etc/master.passwd ("default" for a user it does not list,
//     such as a directory user), and are set while we are root, just
//     before the drop (jexec -l: after jail_attach, before setuid): the
//     jail's root does not own the session's limits;
//   - PATH, CDPATH, MANPATH, LANG, MM_CHARSET, MAIL, TZ, TERM and the setenv
//     list come from the JAIL's /etc/login.conf, for the class of the
//     user's entry in the jail's master.passwd, read by fd before attaching
//     and set after dropping: they describe the jail's file system, and are
//     nothing the user could not set in their own shell.
//
// The jail's privileged items are never read (logincap.Merge). A user's
// ~/.login_conf is not read, and cpumask is not applied.

// Host files; variables for tests.
var (
	hostMasterPasswd = "/etc/master.passwd"
	hostLoginConf    = "/etc/login.conf"
)

const jailLoginConf = "/etc/login.conf"

// loginClass reads both sides' files for c and merges them.
func (j *Jail) loginClass(c identity.Cred) (logincap.Settings, error) {
	hostClass, err := hostClassOf(c)
	if err != nil {
		return logincap.Settings{}, err
	}
	hostDB, err := readLoginConf(hostLoginConf, func() (*os.File, error) { return os.Open(hostLoginConf) })
	if err != nil {
		return logincap.Settings{}, fmt.Errorf("host: %w", err)
	}
	jailDB, err := readLoginConf(jailLoginConf, func() (*os.File, error) { return userdb.OpenInRoot(j.root, jailLoginConf) })
	if err != nil {
		return logincap.Settings{}, fmt.Errorf("jail: %w", err)
	}
	host, hostNote, err := logincap.Class(hostDB, hostClass)
	if err != nil {
		return logincap.Settings{}, fmt.Errorf("host: %w", err)
	}
	jail, jailNote, err := logincap.Class(jailDB, logincap.ClassName(c.Class, c.UID))
	if err != nil {
		return logincap.Settings{}, fmt.Errorf("jail: %w", err)
	}
	s, err := logincap.Merge(host, jail, c.Name, c.Home, c.UID, getrlimit)
	for _, n := range []string{hostNote, jailNote} {
		if n != "" {
			s.Notices = append(s.Notices, n)
		}
	}
	return s, err
}

// hostClassOf is the class of c's entry in the host's master.passwd, as
// login_getpwclass chooses it. The entry must have c's uid: another uid
// under the same name would make the class someone else's.
func hostClassOf(c identity.Cred) (string, error) {
	f, err := os.Open(hostMasterPasswd)
	if err != nil {
		return "", fmt.Errorf("host login class: %w", err)
	}
	defer f.Close()
	users, _, err := userdb.ParseMasterPasswd(hostMasterPasswd, f, func(u *userdb.User) bool { return u.Name == c.Name })
	if err != nil {
		return "", fmt.Errorf("host login class: %w", err)
	}
	if len(users) == 0 {
		return logincap.ClassName("", c.UID), nil
	}
	if u := users[0]; u.UID != c.UID {
		return "", fmt.Errorf("host login class: %s:%d: %s has uid %d, not %d", hostMasterPasswd, u.Line, u.Name, u.UID, c.UID)
	}
	return logincap.ClassName(users[0].Class, c.UID), nil
}

// readLoginConf parses a login.conf; a missing file is no database (every
// class then has libutil's defaults).
func readLoginConf(name string, open func() (*os.File, error)) (*logincap.DB, error) {
	f, err := open()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return logincap.Parse(name, f)
}

func getrlimit(resource int) (cur, max int64, err error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(resource, &rl); err != nil {
		return 0, 0, err
	}
	return rl.Cur, rl.Max, nil
}

// setPrivileged applies the host's items while we are root. Each failure
// refuses the session: libutil logs some and goes on, but a limit or
// label the host asked for and did not get is a weaker session.
func setPrivileged(p logincap.Privileged) error {
	for _, l := range p.Limits {
		if err := unix.Setrlimit(l.Resource, &unix.Rlimit{Cur: l.Cur, Max: l.Max}); err != nil {
			return fmt.Errorf("setrlimit(%s, %d, %d) for class %s: %w", l.Name, l.Cur, l.Max, p.Class, err)
		}
	}
	if err := setPriority(p.Priority); err != nil {
		return fmt.Errorf("class %s: %w", p.Class, err)
	}
	if p.Umask != nil {
		unix.Umask(int(*p.Umask))
	}
	if err := setLoginClass(p.Class); err != nil {
		return fmt.Errorf("setloginclass(%s): %w", p.Class, err)
	}
	if p.Label != "" {
		if err := setMACLabel(p.Label); err != nil {
			return fmt.Errorf("mac_set_proc(%q) for class %s: %w", p.Label, p.Class, err)
		}
	}
	return nil
}

// rtprio(2) from <sys/rtprio.h>.
const (
	rtpSet          = 1
	rtpPrioRealtime = 2
	rtpPrioIdle     = 4
)

func setPriority(s logincap.Sched) error {
	var typ uint16
	switch s.Kind {
	case "":
		return nil
	case "nice":
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, s.Value); err != nil {
			return fmt.Errorf("setpriority(%d): %w", s.Value, err)
		}
		return nil
	case "idle":
		typ = rtpPrioIdle
	case "realtime":
		typ = rtpPrioRealtime
	default:
		return fmt.Errorf("priority kind %q", s.Kind)
	}
	rtp := struct{ typ, prio uint16 }{typ, uint16(s.Value)}
	if _, _, e := unix.RawSyscall(unix.SYS_RTPRIO, rtpSet, 0, uintptr(unsafe.Pointer(&rtp))); e != 0 {
		return fmt.Errorf("rtprio(%s, %d): %w", s.Kind, s.Value, e)
	}
	return nil
}

func setLoginClass(class string) error {
	b, err := unix.BytePtrFromString(class)
	if err != nil {
		return err
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETLOGINCLASS, uintptr(unsafe.Pointer(b)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// setMACLabel is mac_from_text + mac_set_proc: struct mac { size_t
// m_buflen; char *m_string; } (sys/mac.h). ENOSYS is a kernel without the
// MAC framework, where libutil does not set a label either
// (mac_is_present).
func setMACLabel(label string) error {
	buf := append([]byte(label), 0)
	m := struct {
		buflen uintptr
		str    *byte
	}{uintptr(len(buf)), &buf[0]}
	_, _, e := unix.RawSyscall(unix.SYS___MAC_SET_PROC, uintptr(unsafe.Pointer(&m)), 0, 0)
	runtime.KeepAlive(buf)
	if e == unix.ENOSYS {
		return nil
	}
	if e != 0 {
		return e
	}
	return nil
}
