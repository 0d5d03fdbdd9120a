package jail

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startInUserNS runs argv (which ends in `sleep 30`, exec'd in place) and
// waits until its user namespace is no longer ours.
func startInUserNS(t *testing.T, argv ...string) int {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Skipf("%s: %v", argv[0], err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	self, _ := os.Readlink("/proc/self/ns/user")
	for i := 0; i < 200; i++ {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
		ns, _ := os.Readlink("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/user")
		if strings.TrimSpace(string(comm)) == "sleep" && ns != self {
			return cmd.Process.Pid
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%v did not reach sleep in a user namespace of its own", argv)
	return 0
}

func ownerCheck(t *testing.T, pid int) error {
	t.Helper()
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	return checkUserNSOwner(fd, record{source: "/run/jails/x.pid", pid: pid})
}

// A user namespace a user created is refused with its owner; root's, nested
// or not, is accepted; our own is not judged.
func TestUserNSOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start processes as another user")
	}
	pid := startInUserNS(t, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "unshare", "--user", "sleep", "30")
	err := ownerCheck(t, pid)
	if err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(pid)+" from /run/jails/x.pid runs in a user namespace owned by uid 65534, not root") {
		t.Errorf("a user's namespace: %v", err)
	}
	pid = startInUserNS(t, "unshare", "--user", "--map-root-user", "unshare", "--user", "--map-root-user", "sleep", "30")
	if err := ownerCheck(t, pid); err != nil {
		t.Errorf("root's nested namespaces: %v", err)
	}
	if err := ownerCheck(t, os.Getpid()); err != nil {
		t.Errorf("our own namespace: %v", err)
	}
}

// The pinned process must still be in the cgroup its init was found in
// (lxc): our own cgroup passes, another one is "not running".
func TestInCgroup(t *testing.T) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(strings.SplitN(string(data), "\n", 2)[0], ":", 3)
	if len(first) != 3 {
		t.Fatalf("/proc/self/cgroup: %q", data)
	}
	fd, err := unix.Open("/proc/self", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	rec := record{source: "/sys/fs/cgroup/x", pid: os.Getpid(), cgroup: first[2]}
	if first[2] != "/" {
		if err := inCgroup(fd, rec); err != nil {
			t.Errorf("our own cgroup %s: %v", first[2], err)
		}
	}
	rec.cgroup = "/lxc.payload.nowhere"
	if err := inCgroup(fd, rec); !errors.Is(err, ErrNotRunning) {
		t.Errorf("another cgroup: %v", err)
	}
}
