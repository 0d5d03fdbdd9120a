//go:build !cgo || !(linux || freebsd)

package hostdb

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"jailme.dev/jailme/internal/userdb"
)

func hostFiles(t *testing.T, passwd, group string) {
	dir := t.TempDir()
	p, g := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	if err := os.WriteFile(p, []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(g, []byte(group), 0o644); err != nil {
		t.Fatal(err)
	}
	oldP, oldG := passwdFile, groupFile
	passwdFile, groupFile = p, g
	t.Cleanup(func() { passwdFile, groupFile = oldP, oldG })
}

func TestFilesLookup(t *testing.T) {
	hostFiles(t, "root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/bin/sh\nalias:x:1000:1::/:\n",
		"wheel:x:10:alice\nusers:x:100:\nstaff:x:20:bob,alice\nusers2:x:100:alice\nwheel2:x:10:alice\n")
	u, err := ByUID(1000)
	if err != nil || u.Name != "alice" || u.Line != 2 {
		t.Fatalf("ByUID: %+v, %v", u, err)
	}
	if _, err := ByName("bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByName(bob): %v", err)
	}
	groups, err := Groups(u)
	if err != nil {
		t.Fatal(err)
	}
	want := []userdb.Group{{Name: "users", GID: 100, Line: 2}, {Name: "wheel", GID: 10, Line: 1}, {Name: "staff", GID: 20, Line: 3}}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("got %+v\nwant %+v", groups, want)
	}
}

func TestFilesMissingGroup(t *testing.T) {
	hostFiles(t, "alice:x:1000:999::/:\n", "wheel:x:10:alice\n")
	u, err := ByName("alice")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := Groups(u)
	want := []userdb.Group{{GID: 999}, {Name: "wheel", GID: 10, Line: 1}}
	if err != nil || !reflect.DeepEqual(gs, want) {
		t.Errorf("got %+v, %v; want %+v", gs, err, want)
	}
}
