// Package testutil holds helpers shared by tests of several packages.
package testutil

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// WatchOpens returns a function that says whether path was opened since
// WatchOpens was called: inotify's IN_OPEN, which an O_PATH open does not
// raise, so a test sees whether a file was opened or only looked at.
func WatchOpens(t testing.TB, path string) (opened func() bool) {
	t.Helper()
	in, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(in) })
	if _, err := unix.InotifyAddWatch(in, path, unix.IN_OPEN); err != nil {
		t.Fatal(err)
	}
	return func() bool {
		buf := make([]byte, 4096)
		n, err := unix.Read(in, buf)
		if n <= 0 && !errors.Is(err, unix.EAGAIN) {
			t.Fatalf("read inotify: %v", err)
		}
		return n > 0
	}
}

// WriteLease takes a write lease on path for the rest of the test, as a
// jail's root can on its own files (F_SETLEASE F_WRLCK): an open without
// O_NONBLOCK then waits for fs.lease-break-time. Skips where leases are
// not allowed.
func WriteLease(t testing.TB, path string) {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_WRLCK); err != nil {
		t.Skipf("F_SETLEASE: %v", err)
	}
}
