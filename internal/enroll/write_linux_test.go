package enroll

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/testutil"
)

// jailRoot is a tree with /etc/passwd and /etc/group, opened as enroll
// gets it.
func jailRoot(t *testing.T) (string, *os.File) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte(basePasswd), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte(baseGroup), 0o644)
	root, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return dir, root
}

func me() Owner { return Owner{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())} }

func TestEnrollWritesOnceAndDryRunWritesNothing(t *testing.T) {
	dir, root := jailRoot(t)
	changes, err := Enroll(root, alice(), me(), true)
	if err != nil || len(changes) != 4 {
		t.Fatalf("dry run: %v %q", err, changes)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/passwd")); string(b) != basePasswd {
		t.Fatalf("dry run wrote passwd: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "home")); err == nil {
		t.Fatal("dry run made the home")
	}
	if _, err := Enroll(root, alice(), me(), false); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "etc/passwd"))
	if !strings.Contains(string(b), "alice:x:2001:2001:Alice:/home/alice:/bin/sh\n") {
		t.Fatalf("passwd: %q", b)
	}
	st, err := os.Stat(filepath.Join(dir, "home/alice"))
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("home: %v %v", st, err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "etc/passwd")); st.Mode().Perm() != 0o644 {
		t.Fatalf("passwd mode %v, want the original's 0644", st.Mode())
	}
	changes, err = Enroll(root, alice(), me(), false)
	if err != nil || len(changes) != 0 {
		t.Fatalf("second run: %v %q", err, changes)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "etc"))
	for _, e := range ents {
		if strings.Contains(e.Name(), "jailme") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// A jail whose account files are links out of it: nothing outside the
// jail is written, whichever way the link points.
func TestEnrollWritesNoFileOutsideTheJail(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(outside, []byte(basePasswd), 0o644)
	for _, target := range []string{outside, "../../../../../../../.." + outside, "/proc/1/root" + outside, "/proc/self/root" + outside} {
		for _, file := range []string{"passwd", "group"} {
			dir, root := jailRoot(t)
			p := filepath.Join(dir, "etc", file)
			os.Remove(p)
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			_, err := Enroll(root, alice(), me(), false)
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("%s -> %s: %v, want a refusal", file, target, err)
			}
			if b, _ := os.ReadFile(outside); string(b) != basePasswd {
				t.Fatalf("%s -> %s: the file outside was written: %q", file, target, b)
			}
			if fi, _ := os.Lstat(p); fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s -> %s: the link was replaced", file, target)
			}
		}
	}
	// /etc itself a link out: resolved inside the jail or refused.
	for _, target := range []string{filepath.Dir(outside), "/proc/1/root" + filepath.Dir(outside)} {
		dir, root := jailRoot(t)
		os.RemoveAll(filepath.Join(dir, "etc"))
		os.Symlink(target, filepath.Join(dir, "etc"))
		Enroll(root, alice(), me(), false)
		if b, _ := os.ReadFile(outside); string(b) != basePasswd {
			t.Fatalf("etc -> %s: the file outside was written: %q", target, b)
		}
	}
}

func TestEnrollRefusesHardLinkAndFIFO(t *testing.T) {
	dir, root := jailRoot(t)
	os.Link(filepath.Join(dir, "etc/passwd"), filepath.Join(dir, "passwd.other"))
	if _, err := Enroll(root, alice(), me(), false); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("hard link: %v", err)
	}
	dir, root = jailRoot(t)
	os.Remove(filepath.Join(dir, "etc/group"))
	if err := mkfifo(filepath.Join(dir, "etc/group")); err != nil {
		t.Skip(err)
	}
	if _, err := Enroll(root, alice(), me(), false); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("fifo: %v", err)
	}
}

func TestPurgeUndoesEnroll(t *testing.T) {
	dir, root := jailRoot(t)
	if _, err := Enroll(root, alice(), me(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := Purge(root, alice(), false); err != nil {
		t.Fatal(err)
	}
	pw, _ := os.ReadFile(filepath.Join(dir, "etc/passwd"))
	gr, _ := os.ReadFile(filepath.Join(dir, "etc/group"))
	if string(pw) != basePasswd || string(gr) != baseGroup {
		t.Fatalf("after purge: %q %q", pw, gr)
	}
}

func mkfifo(p string) error { return unix.Mkfifo(p, 0o644) }

// The lock file enroll creates belongs to the owner of the jail's /etc.
func TestLockFileBelongsToTheJail(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir, root := jailRoot(t)
	// A jail with a user namespace: its root owns "/" and /etc.
	os.Chown(dir, 100000, 100000)
	os.Chown(filepath.Join(dir, "etc"), 100000, 100000)
	if _, err := Enroll(root, alice(), me(), false); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(dir, "etc/.pwd.lock"), &st); err != nil || st.Uid != 100000 || st.Gid != 100000 {
		t.Fatalf(".pwd.lock: %v uid %d gid %d, want 100000", err, st.Uid, st.Gid)
	}
}

// The jail's root plants a device node as /etc/passwd or /etc/.pwd.lock
// (docker lets a container mknod any device): the admin's enroll, host
// root outside the jail's device cgroup, must not open it, for reading or
// for writing, because a driver's open acts (a watchdog starts counting
// down to a reboot). A FIFO stands for the device: inotify's IN_OPEN,
// which an O_PATH open does not raise, says whether it was opened. The
// lock FIFO has a reader, so that the O_WRONLY|O_NONBLOCK open enroll made
// before it looked succeeds and shows.
func TestEnrollNeverOpensSpecialFiles(t *testing.T) {
	for _, name := range []string{"passwd", ".pwd.lock"} {
		dir, root := jailRoot(t)
		p := filepath.Join(dir, "etc", name)
		os.Remove(p)
		if err := mkfifo(p); err != nil {
			t.Fatal(err)
		}
		reader, err := unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(reader)
		opened := testutil.WatchOpens(t, p)
		if _, err := Enroll(root, alice(), me(), false); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: got %v, want not a regular file", name, err)
		}
		if opened() {
			t.Errorf("%s: the FIFO was opened (inotify IN_OPEN)", name)
		}
	}
}

// A write lease the jail's root holds on its passwd must not stall the
// admin's enroll for fs.lease-break-time (45 s): the open fails at once.
func TestEnrollLeaseDoesNotWait(t *testing.T) {
	dir, root := jailRoot(t)
	testutil.WriteLease(t, filepath.Join(dir, "etc/passwd"))
	done := make(chan error, 1)
	go func() { _, err := Enroll(root, alice(), me(), false); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, unix.EWOULDBLOCK) {
			t.Errorf("got %v, want EWOULDBLOCK", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("enroll waits for the jail's lease")
	}
}

// The jail's root in a user namespace of its own may bind over its /home
// any directory it sees, a host directory bound into the jail included,
// which it cannot write (host root's, nobody's in the jail). Enroll then
// made the user's home there as host root: the jail's root got, through
// the user's uid, a writable directory in a host directory.
func TestEnrollMakesNoHomeWhereTheJailsRootCouldNot(t *testing.T) {
	root, host := hostDirOver(t, "home")
	_, err := Enroll(root, alice(), Owner{UID: jailRootUID + 2001, GID: jailRootUID + 2001}, false)
	if _, serr := os.Lstat(filepath.Join(host, "alice")); serr == nil {
		t.Fatalf("the home was made in the host's directory (enroll: %v)", err)
	}
	if err == nil || !strings.Contains(err.Error(), "/home in the jail: belongs to uid 0") {
		t.Errorf("got %v, want a refusal naming /home's owner", err)
	}
}

// The same with a host directory bound over the jail's /etc: enroll
// created .pwd.lock there and renamed new passwd and group files over the
// host's, as host root.
func TestEnrollWritesNoHostDirectoryMountedOverEtc(t *testing.T) {
	root, host := hostDirOver(t, "etc")
	_, err := Enroll(root, alice(), Owner{UID: jailRootUID + 2001, GID: jailRootUID + 2001}, false)
	ents, _ := os.ReadDir(host)
	b, _ := os.ReadFile(filepath.Join(host, "passwd"))
	if len(ents) != 2 || string(b) != basePasswd {
		t.Fatalf("the host's directory was written: %d entries, passwd %q (enroll: %v)", len(ents), b, err)
	}
	if err == nil || !strings.Contains(err.Error(), "/etc in the jail: belongs to uid 0") {
		t.Errorf("got %v, want a refusal naming /etc's owner", err)
	}
}

// jailRootUID is the host uid of the root of userNSJail's jail.
const jailRootUID = 100000

// hostDirOver is a jail whose root has bound over its /sub a host
// directory it cannot write, holding a passwd and a group.
func hostDirOver(t *testing.T, sub string) (*os.File, string) {
	root, host, _, _ := userNSJail(t, `! touch "$1/probe" 2>/dev/null && mount --bind "$1" "$2/`+sub+`" && echo ready && exec sleep 60`)
	return root, host
}

// userNSJail is a jail tree and a host directory (each with a passwd and
// a group), and the jail's root: script run by sh as uid 0 in a user
// namespace (jailRootUID on the host) and a mount namespace of its own,
// with the host directory as $1 and the jail as $2, talking on in and out
// once it said "ready". The jail is opened as enroll gets it, through
// /proc/PID/root.
func userNSJail(t *testing.T, script string) (root *os.File, host string, in io.Writer, out *bufio.Reader) {
	if os.Getuid() != 0 {
		t.Skip("needs root: a user namespace mapping other ids, a bind mount")
	}
	top, err := os.MkdirTemp("", "enroll-userns-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	os.Chmod(top, 0o755)
	jail, host := filepath.Join(top, "jail"), filepath.Join(top, "host")
	os.MkdirAll(filepath.Join(jail, "etc"), 0o755)
	os.MkdirAll(filepath.Join(jail, "home"), 0o755)
	os.Mkdir(host, 0o755)
	for _, d := range []string{jail + "/etc", host} {
		os.WriteFile(filepath.Join(d, "passwd"), []byte(basePasswd), 0o644)
		os.WriteFile(filepath.Join(d, "group"), []byte(baseGroup), 0o644)
	}
	for _, p := range []string{jail, jail + "/etc", jail + "/home", jail + "/etc/passwd", jail + "/etc/group"} {
		os.Chown(p, jailRootUID, jailRootUID)
	}
	cmd := exec.Command("sh", "-c", script, "sh", host, jail)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: jailRootUID, Size: 65536}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: jailRootUID, Size: 65536}},
		Credential:  &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true},
	}
	in, _ = cmd.StdinPipe()
	pipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skip("no user namespace: ", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	out = bufio.NewReader(pipe)
	if line, _ := out.ReadString('\n'); line != "ready\n" {
		t.Skip("the jail's root could not set up its mounts")
	}
	root, err = os.Open(fmt.Sprintf("/proc/%d/root%s", cmd.Process.Pid, jail))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root, host, in, out
}

// Between enroll's mkdirat of the home and its open to chown it, the
// jail's root (in a user namespace, watching /home with inotify) mounts a
// host directory it cannot write on the new name: the open crossed into
// it and enroll gave the host directory to the user, mode 0700.
func TestEnrollChownsNoDirectoryMountedOnTheNewHome(t *testing.T) {
	root, host, in, out := userNSJail(t, `! touch "$1/probe" 2>/dev/null && echo ready && read go && mount --bind "$1" "$2/home/alice" && echo mounted && exec sleep 60`)
	mkdirRaced = func() {
		io.WriteString(in, "go\n")
		if line, _ := out.ReadString('\n'); line != "mounted\n" {
			t.Errorf("the jail's root could not mount on the new home: %q", line)
		}
	}
	t.Cleanup(func() { mkdirRaced = nil })
	_, err := Enroll(root, alice(), Owner{UID: jailRootUID + 2001, GID: jailRootUID + 2001}, false)
	var st unix.Stat_t
	if unix.Stat(host, &st); st.Uid != 0 || st.Mode&0o7777 != 0o755 {
		t.Fatalf("the host directory is uid %d mode %o now (enroll: %v)", st.Uid, st.Mode&0o7777, err)
	}
	if err == nil {
		t.Errorf("enroll succeeded, want a refusal of the mount on the new home")
	}
}
