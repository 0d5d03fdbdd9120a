package jail

// #include <stdlib.h>
// #include "stage_linux.h"
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/seccomp"
)

const maxStageGroups = C.JM_MAX_GROUPS

// sessionStack is the stack the session runs on between its clone and its
// exec (stage_linux.c, step 7): a few calls deep, no more.
const sessionStack = 64 << 10

// stage enters the jail through the single-threaded attach stage
// (stage_linux.c) and returns the session's pid; the session is jailsh's
// child. jailsh itself enters nothing. host is s.Cred as the host sees it
// (HostCred, computed once by Run).
func (j *Jail) stage(s *Session, host identity.Cred, term *terminal) (int, error) {
	if err := j.alive(); err != nil {
		return 0, err
	}
	if err := j.checkConfinable(); err != nil {
		return 0, err
	}
	cgroups, err := j.openCgroupProcs()
	if err != nil {
		return 0, err
	}
	defer func() {
		for _, f := range cgroups {
			unix.Close(f.fd)
		}
	}()
	labelFile, labelValue, err := j.execLabel()
	if err != nil {
		return 0, err
	}
	filters, err := j.sessionSeccomp()
	if err != nil {
		return 0, err
	}

	var mem cmem
	defer mem.free()
	p := (*C.struct_jm_plan)(mem.alloc(C.sizeof_struct_jm_plan))
	p.cgroups = (*C.int)(mem.ints(len(cgroups), func(i int) int { return cgroups[i].fd }))
	p.ncgroups = C.int(len(cgroups))
	if labelFile != "" {
		p.label_file, p.label_value, p.label_len = mem.str(labelFile), mem.str(labelValue), C.int(len(labelValue))
	}
	p.host_groups = (*C.gid_t)(mem.ids(host.Groups))
	p.nhost_groups = C.int(len(host.Groups))
	p.ns_fds = (*C.int)(mem.ints(len(j.ns), func(i int) int { return j.ns[i].fd }))
	p.ns_types = (*C.int)(mem.ints(len(j.ns), func(i int) int { return j.ns[i].flag }))
	p.nns = C.int(len(j.ns))
	p.root = C.int(j.root.Fd())
	p.userns = -1
	if j.userns != nil {
		p.userns = C.int(j.userns.fd)
	}
	if in := j.init; in != nil {
		p.capbnd, p.last_cap = C.uint64_t(in.capBnd), C.int(in.lastCap)
	} else {
		p.capbnd, p.last_cap = C.uint64_t(^uint64(0)), -1
	}
	if j.noNewPrivs() {
		p.no_new_privs = 1
	}
	p.uid, p.gid = C.uid_t(s.Cred.UID), C.gid_t(s.Cred.GID)
	p.groups = (*C.gid_t)(mem.ids(s.Cred.Groups))
	p.ngroups = C.int(len(s.Cred.Groups))
	p.home = mem.str(s.Cred.Home)
	p.path = mem.str(s.Path)
	p.argv = mem.strv(s.Argv)
	p.envp = mem.strv(s.Env)
	p.home_slot = -1
	for i, kv := range s.Env {
		if strings.HasPrefix(kv, "HOME=") {
			p.home_slot = C.int(i)
		}
	}
	p.home_fallback = mem.str("HOME=/")
	files, ctty := term.childFiles()
	for i, f := range files {
		if f != uintptr(i) && f < 3 {
			return 0, fmt.Errorf("session fd %d would be %d", i, f) // the stage's dup2 order relies on it
		}
		p.files[i] = C.int(f)
	}
	p.ctty = C.int(ctty)
	p.seccomp, p.nseccomp = mem.filters(filters), C.int(len(filtersOf(filters)))
	p.stack_size = sessionStack
	p.stack = mem.alloc(sessionStack)

	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return 0, fmt.Errorf("pipe: %w", err)
	}
	p.report = C.int(fds[1])
	// ForkLock as os/exec: no fd is being created without O_CLOEXEC
	// while the stage is forked.
	syscall.ForkLock.Lock()
	stagePid := int(C.jm_stage_start(p))
	syscall.ForkLock.Unlock()
	unix.Close(fds[1])
	defer unix.Close(fds[0])
	if stagePid < 0 {
		return 0, fmt.Errorf("fork the attach stage: %w", unix.Errno(-stagePid))
	}

	// Reports until EOF: the stage's, then the session's until its exec
	// closes the pipe.
	pid, failed := 0, error(nil)
	for {
		var r C.struct_jm_report
		buf := unsafe.Slice((*byte)(unsafe.Pointer(&r)), unsafe.Sizeof(r))
		n, err := unix.Read(fds[0], buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || (n != 0 && n != len(buf)) {
			failed = fmt.Errorf("read the attach stage's report: %d bytes, %v", n, err)
			break
		}
		if n == 0 {
			break
		}
		switch step := int(r.step); step {
		case C.JM_OK:
			pid = int(r.arg)
		case C.JM_NOTICE_HOME:
			s.notice(fmt.Sprintf("no home directory %s, logging in with HOME=/", s.Cred.Home))
		default:
			if failed == nil {
				failed = j.stageError(s, host, step, unix.Errno(r.err), int(r.arg))
			}
		}
	}
	reap(stagePid)
	if failed == nil && pid == 0 {
		failed = errors.New("the attach stage ended without starting the session")
	}
	if failed == nil {
		failed = verifySeccomp(pid, filters)
	}
	if failed != nil {
		if pid > 0 {
			unix.Kill(pid, unix.SIGKILL)
			reap(pid)
		}
		return 0, failed
	}
	return pid, nil
}

func reap(pid int) {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// stageError says which step of stage_linux.c failed and names the
// system call.
func (j *Jail) stageError(s *Session, host identity.Cred, step int, errno unix.Errno, arg int) error {
	switch step {
	case C.JM_CGROUP:
		return fmt.Errorf("%w: join the jail's cgroup (#%d): %v", ErrConfine, arg, errno)
	case C.JM_LABEL:
		return fmt.Errorf("%w: set the exec label: %v", ErrConfine, errno)
	case C.JM_HOSTGROUPS:
		return fmt.Errorf("setgroups(%v) (host ids): %w", host.Groups, errno)
	case C.JM_SETNS:
		name := "?"
		if arg >= 0 && arg < len(j.ns) {
			name = j.ns[arg].name
		}
		return fmt.Errorf("setns(%s of pid %d): %w", name, j.pid, errno)
	case C.JM_CHROOT:
		return fmt.Errorf("chroot(jail root): %w", errno)
	case C.JM_SETNS_USER:
		return fmt.Errorf("setns(user of pid %d): %w", j.pid, errno)
	case C.JM_CAPBSET:
		return fmt.Errorf("%w: prctl(PR_CAPBSET_DROP, %d): %v", ErrConfine, arg, errno)
	case C.JM_AMBIENT:
		return fmt.Errorf("%w: prctl(PR_CAP_AMBIENT_CLEAR_ALL): %v", ErrConfine, errno)
	case C.JM_NNP:
		return fmt.Errorf("%w: prctl(PR_SET_NO_NEW_PRIVS): %v", ErrConfine, errno)
	case C.JM_SETRESGID:
		return fmt.Errorf("setresgid(%d) in the jail's user namespace: %w", s.Cred.GID, errno)
	case C.JM_SETRESUID:
		return fmt.Errorf("setresuid(%d) in the jail's user namespace: %w", s.Cred.UID, errno)
	case C.JM_CAPS:
		return fmt.Errorf("capset(none): %w", errno)
	case C.JM_IDS:
		return fmt.Errorf("the session's credentials did not stick in the jail's user namespace (uid %d, gid %d, groups %v, no capability)", s.Cred.UID, s.Cred.GID, s.Cred.Groups)
	case C.JM_DUMPABLE:
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, 0): %w", errno)
	case C.JM_HOME:
		return fmt.Errorf("chdir(%s) as uid %d: %w", s.Cred.Home, s.Cred.UID, errno)
	case C.JM_CLONE:
		return fmt.Errorf("fork into the jail's pid namespace: %w", errno)
	case C.JM_SETSID:
		return fmt.Errorf("setsid: %w", errno)
	case C.JM_FILES:
		if arg < 0 {
			return fmt.Errorf("close_range(3, ~0, CLOSE_RANGE_CLOEXEC) (Linux 5.11 or later): %w", errno)
		}
		return fmt.Errorf("the session's fd %d: %w", arg, errno)
	case C.JM_CTTY:
		return fmt.Errorf("ioctl(TIOCSCTTY) on the session's pty: %w", errno)
	case C.JM_SIGNALS:
		return fmt.Errorf("rt_sigprocmask: %w", errno)
	case C.JM_SECCOMP:
		return j.seccompFailed(arg, errno)
	}
	return fmt.Errorf("exec %s in the jail as uid %d: %w", s.Path, s.Cred.UID, errno)
}

// cmem is C memory for the plan: the stage runs in a forked copy of this
// process and must find everything ready there, and cgo forbids handing C
// Go memory that holds pointers.
type cmem []unsafe.Pointer

func (m *cmem) alloc(n uintptr) unsafe.Pointer {
	if n == 0 {
		n = 1
	}
	p := C.calloc(1, C.size_t(n))
	if p == nil {
		panic("jail: out of memory")
	}
	*m = append(*m, p)
	return p
}

func (m *cmem) str(s string) *C.char {
	p := (*C.char)(m.alloc(uintptr(len(s) + 1)))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(s)), s)
	return p
}

func (m *cmem) strv(ss []string) **C.char {
	v := unsafe.Slice((**C.char)(m.alloc(uintptr(len(ss)+1)*unsafe.Sizeof((*C.char)(nil)))), len(ss)+1)
	for i, s := range ss {
		v[i] = m.str(s)
	}
	return &v[0]
}

func (m *cmem) ints(n int, at func(int) int) unsafe.Pointer {
	p := m.alloc(uintptr(n) * C.sizeof_int)
	v := unsafe.Slice((*C.int)(p), max(n, 1))
	for i := 0; i < n; i++ {
		v[i] = C.int(at(i))
	}
	return p
}

func (m *cmem) ids(ids []uint32) unsafe.Pointer {
	p := m.alloc(uintptr(len(ids)) * C.sizeof_gid_t)
	v := unsafe.Slice((*C.gid_t)(p), max(len(ids), 1))
	for i, id := range ids {
		v[i] = C.gid_t(id)
	}
	return p
}

// filters copies the session's seccomp filters into C memory as an array
// of struct sock_fprog, oldest first; nil for none.
func (m *cmem) filters(set *seccomp.Set) *C.struct_sock_fprog {
	fs := filtersOf(set)
	if len(fs) == 0 {
		return nil
	}
	progs := unsafe.Slice((*C.struct_sock_fprog)(m.alloc(uintptr(len(fs))*C.sizeof_struct_sock_fprog)), len(fs))
	for i, f := range fs {
		n := uintptr(len(f)) * unsafe.Sizeof(f[0])
		insns := m.alloc(n)
		copy(unsafe.Slice((*byte)(insns), n), unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), n))
		progs[i].len = C.ushort(len(f))
		progs[i].filter = (*C.struct_sock_filter)(insns)
	}
	return &progs[0]
}

func filtersOf(set *seccomp.Set) [][]unix.SockFilter {
	if set == nil {
		return nil
	}
	return set.Filters
}

func (m *cmem) free() {
	for _, p := range *m {
		C.free(p)
	}
	*m = nil
}
