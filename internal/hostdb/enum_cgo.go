//go:build cgo && (linux || freebsd)

package hostdb

/*
#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

// glibc returns ENOENT at the end of the database, FreeBSD 0 with no
// result: both become found = 0. On ERANGE both leave the position on the
// entry that did not fit, so the caller retries with a larger buffer.
static int jm_getpwent(struct passwd *pw, char *buf, size_t len, int *found) {
	struct passwd *res = NULL;
	int rc = getpwent_r(pw, buf, len, &res);
	*found = res != NULL;
	if (rc == ENOENT)
		rc = 0;
	return rc;
}

static int jm_getgrnam(const char *name, struct group *gr, char *buf, size_t len, int *found) {
	struct group *res = NULL;
	int rc = getgrnam_r(name, gr, buf, len, &res);
	*found = res != NULL;
	return rc;
}

static char *jm_member(struct group *gr, size_t i) {
	return gr->gr_mem[i];
}
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"jailme.dev/jailme/internal/userdb"
)

// The getpwent position is one per process.
var pwentMu sync.Mutex

// All lists the host's users with setpwent/getpwent_r/endpwent(3), in NSS
// order, every source the host enumerates. Entries with the reserved uid
// or gid 4294967295 are left out: they can never log in.
func All() ([]userdb.User, error) {
	pwentMu.Lock()
	defer pwentMu.Unlock()
	C.setpwent()
	defer C.endpwent()

	size := firstPwBuf
	buf := C.malloc(C.size_t(size))
	if buf == nil {
		return nil, syscall.ENOMEM
	}
	defer func() { C.free(buf) }()
	var users []userdb.User
	for {
		var pw C.struct_passwd
		var found C.int
		rc := C.jm_getpwent(&pw, (*C.char)(buf), C.size_t(size), &found)
		if rc == C.ERANGE && size < maxBuf {
			C.free(buf)
			size *= 2
			if buf = C.malloc(C.size_t(size)); buf == nil {
				return nil, syscall.ENOMEM
			}
			continue
		}
		if rc != 0 {
			return nil, unavailable("getpwent_r", syscall.Errno(rc))
		}
		if found == 0 {
			return users, nil
		}
		if pw.pw_uid == reserved || pw.pw_gid == reserved {
			continue
		}
		users = append(users, userdb.User{
			Name:  C.GoString(pw.pw_name),
			UID:   uint32(pw.pw_uid),
			GID:   uint32(pw.pw_gid),
			Gecos: C.GoString(pw.pw_gecos),
			Home:  C.GoString(pw.pw_dir),
			Shell: C.GoString(pw.pw_shell),
		})
	}
}

// GroupByName looks a group up with getgrnam_r(3), members included.
func GroupByName(name string) (*userdb.Group, error) {
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return nil, fmt.Errorf("host group %q: %w", name, ErrNoGroup)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var g *userdb.Group
	err := growing(firstGrBuf, func(buf *C.char, size C.size_t) (err error) {
		g, err = tryGroupByName(cname, buf, size)
		return err
	})
	if err != nil {
		return nil, unavailable(fmt.Sprintf("getgrnam_r(%q)", name), err)
	}
	if g == nil {
		return nil, fmt.Errorf("host group %q: %w", name, ErrNoGroup)
	}
	return g, nil
}

func tryGroupByName(cname *C.char, buf *C.char, size C.size_t) (*userdb.Group, error) {
	var gr C.struct_group
	var found C.int
	if rc := C.jm_getgrnam(cname, &gr, buf, size, &found); rc != 0 {
		return nil, syscall.Errno(rc)
	}
	if found == 0 {
		return nil, nil
	}
	g := &userdb.Group{Name: C.GoString(gr.gr_name), GID: uint32(gr.gr_gid)}
	for i := C.size_t(0); gr.gr_mem != nil; i++ {
		m := C.jm_member(&gr, i)
		if m == nil {
			break
		}
		g.Members = append(g.Members, C.GoString(m))
	}
	return g, nil
}
