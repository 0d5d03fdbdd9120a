//go:build cgo && (linux || freebsd)

package hostdb

/*
#define _GNU_SOURCE // getgrent_r (glibc)
#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

// The result pointers stay in C: Go keeps only the structs, whose strings
// point into the C buffer.
static int jm_getpwuid(uid_t uid, struct passwd *pw, char *buf, size_t len, int *found) {
	struct passwd *res = NULL;
	int rc = getpwuid_r(uid, pw, buf, len, &res);
	*found = res != NULL;
	return rc;
}

static int jm_getpwnam(const char *name, struct passwd *pw, char *buf, size_t len, int *found) {
	struct passwd *res = NULL;
	int rc = getpwnam_r(name, pw, buf, len, &res);
	*found = res != NULL;
	return rc;
}

static int jm_getgrgid(gid_t gid, struct group *gr, char *buf, size_t len, int *found) {
	struct group *res = NULL;
	int rc = getgrgid_r(gid, gr, buf, len, &res);
	*found = res != NULL;
	return rc;
}

// The next group of the enumeration; *found is 0 at its end (glibc
// answers ENOENT there, FreeBSD 0 with no result).
static int jm_getgrent(struct group *gr, char *buf, size_t len, int *found) {
	struct group *res = NULL;
	int rc = getgrent_r(gr, buf, len, &res);
	*found = res != NULL;
	if (rc == ENOENT) {
		rc = 0;
	}
	return rc;
}

// glibc and FreeBSD (unistd.h) both declare gid_t *groups; macOS's int *
// is not supported.
static int jm_getgrouplist(const char *name, gid_t base, gid_t *groups, int *ngroups) {
	return getgrouplist(name, base, groups, ngroups);
}
*/
import "C"

import (
	"fmt"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/userdb"
)

const (
	maxBuf    = 1 << 24 // getpw*_r, getgrgid_r buffer: a group may list many members
	maxGroups = 65536   // NGROUPS_MAX on Linux
)

// The first buffer sizes tried. glibc's sysconf hints (_SC_GETPW_R_SIZE_MAX,
// _SC_GETGR_R_SIZE_MAX) are 1024, which a directory's group of 5,000
// members overflows seven times over, each retry a new request to the
// directory: a group entry starts at 128 KiB (about 7,000 names of 8
// bytes), a user at 16 KiB, or the hint when it is larger. Tests make them
// tiny to exercise the ERANGE path.
var (
	firstPwBuf = max(16<<10, sysconfHint(C._SC_GETPW_R_SIZE_MAX))
	firstGrBuf = max(128<<10, sysconfHint(C._SC_GETGR_R_SIZE_MAX))
)

func sysconfHint(name C.int) int {
	n := int(C.sysconf(name))
	if n <= 0 || n > maxBuf {
		return 0
	}
	return n
}

// ByUID looks a user up by uid with getpwuid_r(3).
func ByUID(uid uint32) (*userdb.User, error) {
	return lookupUser(fmt.Sprintf("getpwuid_r(%d)", uid), fmt.Sprintf("host user %d", uid),
		func(pw *C.struct_passwd, buf *C.char, n C.size_t, found *C.int) C.int {
			return C.jm_getpwuid(C.uid_t(uid), pw, buf, n, found)
		})
}

// ByName looks a user up by name with getpwnam_r(3). The returned Name is
// what NSS answers, which may differ from name (case-insensitive LDAP).
func ByName(name string) (*userdb.User, error) {
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		// C would see a shorter name, and find another user.
		return nil, fmt.Errorf("host user %q: %w", name, ErrNotFound)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return lookupUser(fmt.Sprintf("getpwnam_r(%q)", name), fmt.Sprintf("host user %q", name),
		func(pw *C.struct_passwd, buf *C.char, n C.size_t, found *C.int) C.int {
			return C.jm_getpwnam(cname, pw, buf, n, found)
		})
}

// growing calls try with a C buffer of first bytes, doubling it while
// the C library answers ERANGE, up to maxBuf. The buffer is freed when try
// returns: try copies out what it keeps.
func growing(first int, try func(buf *C.char, size C.size_t) error) error {
	for size := first; ; size *= 2 {
		buf := C.malloc(C.size_t(size))
		if buf == nil {
			return syscall.ENOMEM
		}
		tries++
		err := try((*C.char)(buf), C.size_t(size))
		C.free(buf)
		if err != syscall.ERANGE || size >= maxBuf {
			return err
		}
	}
}

func lookupUser(call, who string, get func(*C.struct_passwd, *C.char, C.size_t, *C.int) C.int) (*userdb.User, error) {
	var u *userdb.User
	err := growing(firstPwBuf, func(buf *C.char, size C.size_t) (err error) {
		u, err = tryUser(buf, size, get)
		return err
	})
	if err != nil {
		return nil, unavailable(call, err)
	}
	if u == nil {
		return nil, fmt.Errorf("%s: %w", who, ErrNotFound)
	}
	if u.UID == reserved || u.GID == reserved {
		return nil, fmt.Errorf("%s: uid or gid 4294967295 is reserved", who)
	}
	return u, nil
}

func tryUser(buf *C.char, size C.size_t, get func(*C.struct_passwd, *C.char, C.size_t, *C.int) C.int) (*userdb.User, error) {
	var pw C.struct_passwd
	var found C.int
	if rc := get(&pw, buf, size, &found); rc != 0 {
		return nil, syscall.Errno(rc)
	}
	if found == 0 {
		return nil, nil
	}
	return &userdb.User{
		Name:  C.GoString(pw.pw_name),
		UID:   uint32(pw.pw_uid),
		GID:   uint32(pw.pw_gid),
		Gecos: C.GoString(pw.pw_gecos),
		Home:  C.GoString(pw.pw_dir),
		Shell: C.GoString(pw.pw_shell),
	}, nil
}

// Groups returns u's groups, primary first, then the others in
// getgrouplist(3) order, each once, named by getgrgid_r(3). A gid without
// a group entry has an empty Name: no group rule can name it, so it is no
// error for a user the rules cannot jail; a jailed user is refused for it
// (gate), since the identity check compares names. Members are left empty.
func Groups(u *userdb.User) ([]userdb.Group, error) {
	if u.Name == "" || strings.IndexByte(u.Name, 0) >= 0 {
		return nil, fmt.Errorf("getgrouplist(%q): invalid name", u.Name)
	}
	cname := C.CString(u.Name)
	defer C.free(unsafe.Pointer(cname))
	var gids []C.gid_t
	for n := 64; ; {
		gids = make([]C.gid_t, n)
		ng := C.int(n)
		tries++
		if C.jm_getgrouplist(cname, C.gid_t(u.GID), &gids[0], &ng) >= 0 {
			if ng < 0 || int(ng) > n {
				return nil, fmt.Errorf("getgrouplist(%q): bad count %d", u.Name, ng)
			}
			gids = gids[:ng]
			break
		}
		// Too small: glibc says how many are needed, FreeBSD may not.
		if n >= maxGroups {
			return nil, fmt.Errorf("getgrouplist(%q): more than %d groups", u.Name, maxGroups)
		}
		n = min(max(2*n, int(ng)), maxGroups)
	}

	all := make([]uint32, 0, len(gids)+1)
	seen := make(map[uint32]bool, len(gids)+1)
	for _, gid := range append([]C.gid_t{C.gid_t(u.GID)}, gids...) {
		if !seen[uint32(gid)] {
			seen[uint32(gid)] = true
			all = append(all, uint32(gid))
		}
	}
	names := map[uint32]string{}
	if len(all) > enumerateAbove {
		if err := namesByEnumeration(names, seen); err != nil {
			return nil, fmt.Errorf("%w (groups of host user %q)", err, u.Name)
		}
	}
	groups := make([]userdb.Group, 0, len(all))
	for _, gid := range all {
		name, ok := names[gid]
		if !ok {
			var err error
			if name, _, err = groupName(gid); err != nil {
				return nil, fmt.Errorf("%w (group of host user %q)", err, u.Name)
			}
		}
		groups = append(groups, userdb.Group{Name: name, GID: gid})
	}
	return groups, nil
}

// enumerateAbove is how many groups a user may have before their names
// are had by one enumeration of the group database instead of one
// getgrgid_r each. Each getgrgid_r is a request to the directory (1 ms
// or more through nslcd: 3,000 groups took 3 s, past a 2 s deadline);
// an enumeration is one search streamed back, whose cost grows with the
// directory's groups instead (issue 21).
const enumerateAbove = 64

// namesByEnumeration fills names for the gids in want from one
// setgrent/getgrent_r/endgrent pass, stopping once every gid is named.
// A gid it does not list (a directory that does not enumerate, such as
// sssd by default or nslcd with nss_disable_enumeration) is left for
// getgrgid_r.
func namesByEnumeration(names map[uint32]string, want map[uint32]bool) error {
	C.setgrent()
	defer C.endgrent()
	start := tries
	defer func() { tries = start + 1 }() // one enumeration is one request
	for len(names) < len(want) {
		var name string
		var gid uint32
		var found bool
		err := growing(firstGrBuf, func(buf *C.char, size C.size_t) error {
			var gr C.struct_group
			var ok C.int
			if rc := C.jm_getgrent(&gr, buf, size, &ok); rc != 0 {
				return syscall.Errno(rc)
			}
			if found = ok != 0; found {
				name, gid = C.GoString(gr.gr_name), uint32(gr.gr_gid)
			}
			return nil
		})
		if err != nil {
			return unavailable("getgrent_r", err)
		}
		if !found {
			return nil
		}
		if _, dup := names[gid]; want[gid] && !dup {
			names[gid] = name // the first entry, as getgrgid_r answers
		}
	}
	return nil
}

// groupName is the name of gid; found is false when the group has no
// entry.
func groupName(gid uint32) (name string, found bool, err error) {
	err = growing(firstGrBuf, func(buf *C.char, size C.size_t) (err error) {
		name, found, err = tryGroup(gid, buf, size)
		return err
	})
	if err != nil {
		return "", false, unavailable(fmt.Sprintf("getgrgid_r(%d)", gid), err)
	}
	return name, found, nil
}

func tryGroup(gid uint32, buf *C.char, size C.size_t) (name string, found bool, err error) {
	var gr C.struct_group
	var ok C.int
	if rc := C.jm_getgrgid(C.gid_t(gid), &gr, buf, size, &ok); rc != 0 {
		return "", false, syscall.Errno(rc)
	}
	if ok == 0 {
		return "", false, nil
	}
	return C.GoString(gr.gr_name), true, nil
}

// unavailable words a failed getpw*_r/getgr*_r. A user or group that does
// not exist is a return of 0 with no result (glibc, FreeBSD); any errno is
// the name service failing, never "no such user". nss-pam-ldapd answers
// ENOENT when nslcd cannot be reached or the directory fails a search
// (NSS_STATUS_UNAVAIL with errno ENOENT), which strerror would misread as
// "no such file or directory".
func unavailable(call string, err error) error {
	e, ok := err.(syscall.Errno)
	if !ok {
		return fmt.Errorf("%s: %w", call, err)
	}
	hint := ""
	switch e {
	case syscall.ENOENT:
		hint = ": an NSS backend could not reach its server (nss-pam-ldapd's ENOENT)"
	case syscall.ERANGE:
		hint = fmt.Sprintf(": entry larger than %d bytes", maxBuf)
	}
	return fmt.Errorf("%w: %s failed with errno %d (%s)%s", ErrUnavailable, call, int(e), unix.ErrnoName(e), hint)
}
