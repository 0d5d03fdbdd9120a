package userdb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
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
