//go:build linux || freebsd

package userdb

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// jailTree makes a jail root in a temp dir with the given files (path
// relative to the root → content) and returns it opened.
func jailTree(t testing.TB, files map[string]string) (string, *os.File) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return dir, root
}

// openWithin runs OpenInRoot and fails the test if it does not return
// promptly: a FIFO or a device must not hang us.
func openWithin(t *testing.T, root *os.File, path string) (string, error) {
	t.Helper()
	type result struct {
		data string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		f, err := OpenInRoot(root, path)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		done <- result{string(b), err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-time.After(5 * time.Second):
		t.Fatalf("OpenInRoot(%q) hangs", path)
		return "", nil
	}
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("got error %v, want %s", err, want)
	}
}

func TestOpenInRootRegular(t *testing.T) {
	_, root := jailTree(t, map[string]string{"etc/passwd": "a:x:1:1::/:\n"})
	data, err := openWithin(t, root, "/etc/passwd")
	if err != nil || data != "a:x:1:1::/:\n" {
		t.Fatalf("got %q, %v", data, err)
	}
	data, err = openWithin(t, root, "etc/passwd")
	if err != nil || data != "a:x:1:1::/:\n" {
		t.Fatalf("relative path: got %q, %v", data, err)
	}
}

func TestOpenInRootFIFO(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/passwd": ""})
	if err := unix.Mkfifo(filepath.Join(dir, "etc/group"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openWithin(t, root, "/etc/group")
	wantErr(t, err, "/etc/group: not a regular file")
}

func TestOpenInRootDirectory(t *testing.T) {
	dir, root := jailTree(t, nil)
	if err := os.MkdirAll(filepath.Join(dir, "etc/passwd"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := openWithin(t, root, "/etc/passwd")
	wantErr(t, err, "/etc/passwd: not a regular file")
}

func TestOpenInRootOversize(t *testing.T) {
	dir, root := jailTree(t, map[string]string{"etc/passwd": ""})
	if err := os.Truncate(filepath.Join(dir, "etc/passwd"), MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	_, err := openWithin(t, root, "/etc/passwd")
	wantErr(t, err, "/etc/passwd: larger than 33554432 bytes")

	if err := os.Truncate(filepath.Join(dir, "etc/passwd"), MaxFileSize); err != nil {
		t.Fatal(err)
	}
	if _, err := openWithin(t, root, "/etc/passwd"); err != nil {
		t.Errorf("exactly MaxFileSize: %v", err)
	}
}

func TestOpenInRootMissing(t *testing.T) {
	_, root := jailTree(t, map[string]string{"etc/passwd": ""})
	_, err := openWithin(t, root, "/etc/group")
	if err == nil || !strings.HasPrefix(err.Error(), "/etc/group: ") ||
		!strings.HasSuffix(err.Error(), ": no such file or directory") {
		t.Errorf("got %v", err)
	}
}
