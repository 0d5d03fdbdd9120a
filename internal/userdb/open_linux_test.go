package userdb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/testutil"
)

// An absolute symlink in the jail resolves inside the jail root, never on
// the host: the jail's root can point etc/passwd at /etc/shadow.
func TestOpenInRootAbsoluteSymlinkStaysInside(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/shadow": "inside:x:5:5::/:\n"})
	if err := os.Symlink("/etc/shadow", filepath.Join(dir, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	data, err := openWithin(t, root, "/etc/passwd")
	if err != nil || data != "inside:x:5:5::/:\n" {
		t.Fatalf("got %q, %v; want the jail's etc/shadow", data, err)
	}
}

func TestOpenInRootDotDotStaysInside(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/realgroup": "inside:x:5:\n"})
	if err := os.Symlink("../../../../../../../../etc/realgroup", filepath.Join(dir, "etc/group")); err != nil {
		t.Fatal(err)
	}
	data, err := openWithin(t, root, "/etc/group")
	if err != nil || data != "inside:x:5:\n" {
		t.Fatalf("symlink: got %q, %v", data, err)
	}
	data, err = openWithin(t, root, "../../../../../etc/realgroup")
	if err != nil || data != "inside:x:5:\n" {
		t.Fatalf("path: got %q, %v", data, err)
	}
}

// A symlink to /dev/zero resolves to the jail's own /dev/zero: absent
// here, a device when the jail has one (TestOpenInRootDevice).
func TestOpenInRootSymlinkDevZero(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"dev/.keep": "", "etc/.keep": ""})
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	_, err := openWithin(t, root, "/etc/passwd")
	wantErr(t, err, "/etc/passwd: no such file or directory")
}

// /proc magic links jump anywhere; RESOLVE_NO_MAGICLINKS refuses them.
func TestOpenInRootNoMagicLinks(t *testing.T) {
	if _, err := os.Stat("/proc/self/root"); err != nil {
		t.Skip("no /proc")
	}
	root, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	_, err = openWithin(t, root, "/proc/self/root/etc/hostname")
	if err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("got %v, want ELOOP", err)
	}
}

func TestOpenInRootDevice(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/.keep": ""})
	dev := filepath.Join(dir, "etc/zero")
	if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))); err != nil {
		t.Skipf("mknod (needs root): %v", err)
	}
	_, err := openWithin(t, root, "/etc/zero")
	wantErr(t, err, "/etc/zero: not a regular file")
}

// The jail's root makes its /etc/passwd a device node (docker's default
// device rules let it mknod any device; only opening is denied, and only to
// the container's processes): OpenInRoot, host root outside the jail's
// device cgroup, must not open it, because a driver's open acts (a
// watchdog starts counting down to a reboot, a tape rewinds, a serial line
// raises DTR). A FIFO stands for the device here: inotify's IN_OPEN, which
// an O_PATH open does not raise, says whether it was opened.
func TestOpenInRootNeverOpensSpecialFiles(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/.keep": ""})
	fifo := filepath.Join(dir, "etc/passwd")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	opened := testutil.WatchOpens(t, fifo)
	_, err := openWithin(t, root, "/etc/passwd")
	wantErr(t, err, "/etc/passwd: not a regular file")
	if _, err := LookPathInRoot(root, "/etc/passwd", nil); err == nil {
		t.Error("LookPathInRoot took a FIFO for a program")
	}
	if opened() {
		t.Error("the FIFO was opened (inotify IN_OPEN)")
	}
}

// The jail's root points its /etc/passwd at a file of a kernel interface
// file system, its own /proc's (every container has one mounted): jailsh
// reads it as host root, with host root's rights. /proc/kmsg blocks a read
// until the kernel logs something (O_NONBLOCK is cleared for a regular
// file), and takes those lines from the host's log reader; /proc/kallsyms
// gives host root the kernel's addresses. Their files look regular, size 0.
func TestOpenInRootRefusesKernelFileSystems(t *testing.T) {
	root, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, p := range []string{"/proc/version", "/proc/self/stat", "/sys/kernel/uevent_seqnum"} {
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s: %v: skipped", p, err)
			continue
		}
		_, err := openWithin(t, root, p)
		if err == nil || !strings.Contains(err.Error(), "a kernel interface file system") {
			t.Errorf("%s: got %v, want a refusal", p, err)
		}
	}
}

// The jail's root takes a write lease on its /etc/passwd (it owns the
// file; docker leaves it CAP_LEASE): a blocking open waits for the lease
// to be broken, fs.lease-break-time, 45 s by default, at every login. The
// open must not wait: O_NONBLOCK makes it fail at once (EWOULDBLOCK).
func TestOpenInRootLeaseDoesNotWait(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/passwd": "a:x:1:1::/:\n"})
	testutil.WriteLease(t, filepath.Join(dir, "etc/passwd"))
	_, err := openWithin(t, root, "/etc/passwd")
	if !errors.Is(err, unix.EWOULDBLOCK) {
		t.Errorf("got %v, want EWOULDBLOCK at once", err)
	}
}
