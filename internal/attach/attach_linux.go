// Package attach holds the attach helper (attach.c), a small static program
// built with the project and embedded in jailsh, and Exec, which makes the
// calling process that program, run from a sealed memfd (issue 27): no file
// of the host is ever executed by a process a jail can see, and the process
// that waits for the session is one small thread, not the Go runtime.
package attach

import (
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// image is attach.c built by `make helper` (musl-gcc -static); the
// Makefile builds it before anything that compiles this package.
//
//go:embed jailsh-attach
var image []byte

// F_SEAL_EXEC (Linux 6.3): the image's mode bits cannot change either.
const sealExec = 0x0020

// Exec replaces this process with the attach helper, which reads plan from
// an fd of its own and uses the fds in keep (the namespaces, the root, the
// cgroup files, the pty, the syslog socket); every other fd is closed by
// exec. It returns only on failure, with this process unchanged but for
// keep, whose close-on-exec flag is cleared.
func Exec(plan []byte, keep []int) error {
	img, err := sealed("jailsh-attach", image, true)
	if err != nil {
		return err
	}
	defer unix.Close(img)
	pfd, err := sealed("jailsh-plan", plan, false)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	for _, fd := range append(keep, pfd) {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return fmt.Errorf("fcntl(%d, F_SETFD, 0): %w", fd, err)
		}
	}
	arg0, _ := unix.BytePtrFromString("jailsh")
	arg1, _ := unix.BytePtrFromString(strconv.Itoa(pfd))
	argv := []*byte{arg0, arg1, nil}
	envv := []*byte{nil}
	empty := []byte{0}
	runtime.LockOSThread()
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(img), uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])), unix.AT_EMPTY_PATH, 0)
	runtime.UnlockOSThread()
	return fmt.Errorf("execveat(the sealed attach helper): %w", errno)
}

// sealed returns a memfd holding b that nobody can change any more:
// F_SEAL_WRITE, SHRINK and GROW, then F_SEAL_SEAL. exec says whether it
// must be executable: MFD_EXEC, which vm.memfd_noexec=2 forbids.
func sealed(name string, b []byte, exec bool) (int, error) {
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	if exec {
		flags |= unix.MFD_EXEC
	} else {
		flags |= unix.MFD_NOEXEC_SEAL
	}
	fd, err := unix.MemfdCreate(name, flags)
	if errors.Is(err, unix.EINVAL) {
		// Before Linux 6.3 neither flag exists: memfds are executable.
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if errors.Is(err, unix.EACCES) && exec {
		return -1, fmt.Errorf("memfd_create(%s, MFD_EXEC): %w: vm.memfd_noexec=2 forbids executable memfds, and jailsh enters jails only from one, so that no file of the host runs in a jail", name, err)
	}
	if err != nil {
		return -1, fmt.Errorf("memfd_create(%s): %w", name, err)
	}
	for off := 0; off < len(b); {
		n, err := unix.Write(fd, b[off:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("write %s: %w", name, err)
		}
		off += n
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	_, err = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals|sealExec)
	if errors.Is(err, unix.EINVAL) {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals)
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("seal %s: %w", name, err)
	}
	return fd, nil
}
