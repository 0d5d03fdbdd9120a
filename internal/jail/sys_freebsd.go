package jail

// The FreeBSD system calls jail_freebsd.go makes, one wrapper each, with no
// libc and no NSS behind them. golang.org/x/sys/unix lacks the jail calls
// and getresuid/getresgid, and its group calls convert through []int; here
// every id stays a uint32 (uid_t, gid_t) from the identity check to the
// kernel.

import (
	"encoding/binary"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Buffer sizes from the kernel's headers: a jail's name is at most
// MAXHOSTNAMELEN bytes with its NUL (sys/param.h), its path MAXPATHLEN
// (sys/syslimits.h), an error from jail_get JAIL_ERRMSGLEN (jail.h).
const (
	maxHostNameLen = 256
	maxPathLen     = 1024
	jailErrmsgLen  = 1024
)

// param is one name/value pair of a jail_get(2) request. The kernel reads
// the value as input (jid, name) and writes the jail's values back into the
// same buffer, so a value buffer must be large enough for the answer.
type param struct {
	key string
	val []byte
}

// buildIovec lays params out as jail_get(2) wants them: an even number of
// iovecs, each name a NUL-terminated string (vfs_buildopts refuses a name
// whose last byte is not NUL), each value the caller's buffer.
func buildIovec(params []param) []unix.Iovec {
	iov := make([]unix.Iovec, 0, 2*len(params))
	for _, p := range params {
		key := append([]byte(p.key), 0)
		var k, v unix.Iovec
		k.Base = &key[0]
		k.SetLen(len(key))
		if len(p.val) > 0 {
			v.Base = &p.val[0]
		}
		v.SetLen(len(p.val))
		iov = append(iov, k, v)
	}
	return iov
}

// jailGet calls jail_get(2) with flags 0, so a dying jail is not found.
// It returns the jid the kernel found.
func jailGet(params []param) (int, error) {
	iov := buildIovec(params)
	r, _, e := unix.Syscall(unix.SYS_JAIL_GET, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)), 0)
	runtime.KeepAlive(iov)
	runtime.KeepAlive(params)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// jailAttach calls jail_attach(2): the whole process enters the jail, its
// root and current directory become the jail's root.
func jailAttach(jid int) error {
	if _, _, e := unix.Syscall(unix.SYS_JAIL_ATTACH, uintptr(jid), 0, 0); e != 0 {
		return e
	}
	return nil
}

// setgroups and getgroups by kernel. FreeBSD 15 renumbered them (596,
// 595) and changed what they mean: the list is the supplementary groups
// only, the effective gid is no longer its first element and setgroups
// no longer sets it (kern_prot.c: sys_setgroups; the old calls, 80 and 79,
// remain as freebsd14_setgroups/getgroups, which take groups[0] as the
// egid, only in kernels built with COMPAT_FREEBSD14). x/sys/unix's
// Setgroups still calls 80, so it is no answer here.
// (sysSetgroups15, 596, is in groups_abi.go.)
const sysGetgroups15 = 595

// probeSetgroups15 calls FreeBSD 15's setgroups(0, NULL) and returns its
// errno. A variable, so that a test can stand in for the kernel.
//
// On a kernel without system call 596 (FreeBSD 14, 15-CURRENT before
// D51648) the kernel runs nosys, which posts SIGSYS and fails with
// ENOSYS; Go's runtime does not die of that SIGSYS on FreeBSD (it is
// _SigNotify there, runtime/signal_freebsd.go, golang.org/issue/15204:
// dropped unless signal.Notify asked for it), so the call returns ENOSYS.
// Where it exists, as root it empties our supplementary groups (the
// caller's, which a setuid jailsh still carries: one reason fewer to keep
// them until drop sets the user's); not as root it fails with EPERM.
var probeSetgroups15 = func() syscall.Errno {
	_, _, e := unix.RawSyscall(sysSetgroups15, 0, 0, 0)
	return e
}

// groupsSupplementaryOnly asks the running kernel, not the jail: the jail's
// kern.osreldate is its own (sysctl_osreldate returns the prison's
// pr_osreldate, which jail(8)'s osreldate= sets), and a 15-CURRENT kernel
// from before the new system calls already reports 1500000 or more.
func groupsSupplementaryOnly() (bool, error) {
	return groupsABI(probeSetgroups15())
}

func setgroups(modern bool, gids []uint32) error {
	trap := uintptr(unix.SYS_SETGROUPS)
	if modern {
		trap = sysSetgroups15
	}
	var p unsafe.Pointer
	if len(gids) > 0 {
		p = unsafe.Pointer(&gids[0])
	}
	_, _, e := unix.RawSyscall(trap, uintptr(len(gids)), uintptr(p), 0)
	runtime.KeepAlive(gids)
	if e != 0 {
		return e
	}
	return nil
}

func getgroups(modern bool) ([]uint32, error) {
	trap := uintptr(unix.SYS_GETGROUPS)
	if modern {
		trap = sysGetgroups15
	}
	n, _, e := unix.RawSyscall(trap, 0, 0, 0)
	if e != 0 {
		return nil, e
	}
	if n == 0 {
		return nil, nil
	}
	gids := make([]uint32, n)
	m, _, e := unix.RawSyscall(trap, n, uintptr(unsafe.Pointer(&gids[0])), 0)
	runtime.KeepAlive(gids)
	if e != 0 {
		return nil, e
	}
	return gids[:m], nil
}

func setresgid(r, e, s uint32) error {
	if _, _, errno := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(r), uintptr(e), uintptr(s)); errno != 0 {
		return errno
	}
	return nil
}

func setresuid(r, e, s uint32) error {
	if _, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(r), uintptr(e), uintptr(s)); errno != 0 {
		return errno
	}
	return nil
}

func getresuid() (r, e, s uint32, err error) {
	_, _, errno := unix.RawSyscall(unix.SYS_GETRESUID,
		uintptr(unsafe.Pointer(&r)), uintptr(unsafe.Pointer(&e)), uintptr(unsafe.Pointer(&s)))
	if errno != 0 {
		return 0, 0, 0, errno
	}
	return r, e, s, nil
}

func getresgid() (r, e, s uint32, err error) {
	_, _, errno := unix.RawSyscall(unix.SYS_GETRESGID,
		uintptr(unsafe.Pointer(&r)), uintptr(unsafe.Pointer(&e)), uintptr(unsafe.Pointer(&s)))
	if errno != 0 {
		return 0, 0, 0, errno
	}
	return r, e, s, nil
}

// intParam is a C int jail parameter (jid) in the machine's byte order.
func intParam(v int32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, uint32(v))
	return b
}

func intValue(b []byte) int32 {
	return int32(binary.NativeEndian.Uint32(b))
}
