package jail

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
)

// The fixtures in testdata/runtime are files the runtimes wrote (README).
const (
	dockerFixtureID = "6fe84f53548160235e3eb7ed6b825b68bf05db23c9a5f25cb862cfdf9f9d21b8"
	podmanFixtureID = "b4a620ccc0f21bc64167df42216901299d26480d85068c17bd980486bfa98002"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/runtime", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func put(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stateTree points the runtimes' state paths at an empty temporary tree
// read without the ownership check (the tests do not run as root).
func stateTree(t *testing.T) string {
	dir := t.TempDir()
	saved := []*string{&dockerContainers, &dockerRuncRoot, &podmanContainers, &runcRoot, &crunRoot, &lxcPidDir, &cgroupRoot, &containerdTasks, &containerdRunc}
	old := make([]string, len(saved))
	for i, p := range saved {
		old[i] = *p
		*p = dir + *p
	}
	oldRead := readState
	readState = func(path string) ([]byte, error) {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.Join(ErrNotRunning, err)
		}
		return data, err
	}
	t.Cleanup(func() {
		for i, p := range saved {
			*p = old[i]
		}
		readState = oldRead
	})
	return dir
}

func wantErr(t *testing.T, what string, err error, sub string, notRunning bool) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want %q", what, sub)
		return
	}
	if !strings.Contains(err.Error(), sub) {
		t.Errorf("%s: %v, want %q", what, err, sub)
	}
	if errors.Is(err, ErrNotRunning) != notRunning {
		t.Errorf("%s: %v: ErrNotRunning %v, want %v", what, err, !notRunning, notRunning)
	}
}

func TestDocker(t *testing.T) {
	stateTree(t)
	cfg := fixture(t, "docker-config.v2.json")
	state := fixture(t, "docker-state.json")

	wantErr(t, "no docker", func() error { _, err := readDocker("web"); return err }(), "is docker installed", true)

	put(t, dockerContainers+"/"+dockerFixtureID+"/config.v2.json", cfg)
	wantErr(t, "no runc state", func() error { _, err := readDocker("web"); return err }(), "says running, but runc has no state: stale state", true)

	put(t, dockerRuncRoot+"/"+dockerFixtureID+"/state.json", state)
	rec, err := readDocker("web")
	if err != nil {
		t.Fatal(err)
	}
	if rec.pid != 121 || rec.start != 248715 || rec.source != dockerRuncRoot+"/"+dockerFixtureID+"/state.json" ||
		!strings.Contains(rec.how, `docker container "web" = 6fe84f535481`) {
		t.Errorf("record %+v", rec)
	}

	wantErr(t, "other name", func() error { _, err := readDocker("db"); return err }(), "none in", true)
	// dockerd --userns-remap keeps its containers under UID.GID/.
	remapped := filepath.Dir(dockerContainers) + "/100000.100000/containers"
	if err := os.MkdirAll(remapped, 0o700); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "userns-remap, no such container", func() error { _, err := readDocker("db"); return err }(), "none in "+dockerContainers+", "+remapped, true)
	put(t, remapped+"/"+dockerFixtureID+"/config.v2.json", []byte(strings.Replace(string(cfg), `"Name":"/web"`, `"Name":"/db"`, 1)))
	if rec, err := readDocker("db"); err != nil || rec.pid != 121 {
		t.Errorf("userns-remap: %+v, %v", rec, err)
	}
	if err := os.RemoveAll(remapped + "/" + dockerFixtureID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "not plain", func() error { _, err := readDocker("../web"); return err }(), "not a plain name", false)

	// Docker's record and runc's disagree: one of them is left over.
	put(t, dockerContainers+"/"+dockerFixtureID+"/config.v2.json", []byte(strings.Replace(string(cfg), `"Pid":121`, `"Pid":122`, 1)))
	wantErr(t, "pid mismatch", func() error { _, err := readDocker("web"); return err }(), "stale state", false)

	put(t, dockerContainers+"/"+dockerFixtureID+"/config.v2.json", []byte(strings.Replace(string(cfg), `"Running":true`, `"Running":false`, 1)))
	wantErr(t, "stopped", func() error { _, err := readDocker("web"); return err }(), "is stopped", true)

	put(t, dockerContainers+"/"+dockerFixtureID+"/config.v2.json", []byte(strings.Replace(string(cfg), `"Paused":false`, `"Paused":true`, 1)))
	wantErr(t, "paused", func() error { _, err := readDocker("web"); return err }(), "is paused", false)

	put(t, dockerContainers+"/"+dockerFixtureID+"/config.v2.json", []byte(`{"Name":"/web"}`))
	wantErr(t, "unknown format", func() error { _, err := readDocker("web"); return err }(), "not a docker 20.10 config.v2.json", false)

	// Another directory claiming the same ID, or the same name.
	put(t, dockerContainers+"/"+dockerFixtureID+"/config.v2.json", cfg)
	other := strings.Repeat("a", 64)
	put(t, dockerContainers+"/"+other+"/config.v2.json", cfg)
	wantErr(t, "ID not its directory", func() error { _, err := readDocker("web"); return err }(), "is not its directory's", false)
	put(t, dockerContainers+"/"+other+"/config.v2.json", []byte(strings.ReplaceAll(string(cfg), dockerFixtureID, other)))
	wantErr(t, "two named web", func() error { _, err := readDocker("web"); return err }(), "2 containers", false)
}

func TestPodman(t *testing.T) {
	stateTree(t)
	wantErr(t, "no podman", func() error { _, err := readPodman("web"); return err }(), "containers.json", true)

	put(t, podmanContainers, fixture(t, "podman-containers.json"))
	wantErr(t, "no runtime state", func() error { _, err := readPodman("web"); return err }(), "no runtime state", true)

	put(t, crunRoot+"/"+podmanFixtureID+"/status", fixture(t, "crun-status"))
	rec, err := readPodman("web")
	if err != nil {
		t.Fatal(err)
	}
	if rec.pid != 43 || rec.start != 246957 || rec.source != crunRoot+"/"+podmanFixtureID+"/status" ||
		!strings.Contains(rec.how, `podman container "web" = b4a620ccc0f2`) || !strings.Contains(rec.how, "crun status") {
		t.Errorf("record %+v", rec)
	}
	wantErr(t, "other name", func() error { _, err := readPodman("db"); return err }(), "none in", true)

	put(t, podmanContainers, []byte(`[{"names":["web"]}]`))
	wantErr(t, "no id", func() error { _, err := readPodman("web"); return err }(), "not a containers/storage containers.json", false)
	put(t, podmanContainers, []byte(`{"web":1}`))
	wantErr(t, "not an array", func() error { _, err := readPodman("web"); return err }(), "containers.json", false)
}

func TestOCI(t *testing.T) {
	stateTree(t)
	wantErr(t, "nothing", func() error { _, err := readOCI("", "c1"); return err }(), "no runtime state", true)

	// runc's format, in runc's default root and in a given one.
	state := []byte(strings.ReplaceAll(string(fixture(t, "docker-state.json")), dockerFixtureID, "c1"))
	put(t, runcRoot+"/c1/state.json", state)
	rec, err := readOCI("", "c1")
	if err != nil || rec.pid != 121 || rec.start != 248715 || rec.how != "runc state" {
		t.Errorf("runc: %+v, %v", rec, err)
	}
	wantErr(t, "other root", func() error { _, err := readOCI(crunRoot, "c1"); return err }(), "no runtime state", true)
	put(t, runcRoot+"/c2/state.json", state)
	wantErr(t, "id differs", func() error { _, err := readOCI("", "c2"); return err }(), `id "c1" is not "c2"`, false)

	put(t, crunRoot+"/c3/status", fixture(t, "crun-status"))
	rec, err = readOCI("", "c3")
	if err != nil || rec.pid != 43 || rec.start != 246957 || rec.how != "crun status" {
		t.Errorf("crun: %+v, %v", rec, err)
	}

	for _, tc := range []struct{ file, data, err string }{
		{"state.json", `{"id":"x","init_process_pid":5}`, "not a runc 1.x state.json"},
		{"state.json", `{"id":"x","init_process_pid":5,"init_process_start":0}`, "no start time"},
		{"state.json", `{"id":"x","init_process_pid":1,"init_process_start":7}`, "host's init"},
		{"state.json", `not json`, "invalid character"},
		{"status", `{"pid":5}`, "not a crun 1.x status file"},
		{"status", `{"pid":-3,"process-start-time":9}`, "is not a pid"},
	} {
		put(t, crunRoot+"/x/"+tc.file, []byte(tc.data))
		wantErr(t, tc.data, func() error { _, err := readOCI(crunRoot, "x"); return err }(), tc.err, false)
		os.Remove(crunRoot + "/x/" + tc.file)
	}
	put(t, crunRoot+"/x/status", []byte(`{"pid":0,"process-start-time":9}`))
	wantErr(t, "pid 0", func() error { _, err := readOCI(crunRoot, "x"); return err }(), "stopped", true)
}

func TestLXC(t *testing.T) {
	stateTree(t)
	wantErr(t, "no pidfile", func() error { _, err := readLXC("web"); return err }(), "/web", true)
	put(t, lxcPidDir+"/web", []byte("4711\n"))
	wantErr(t, "no start time", func() error { _, err := readLXC("web"); return err }(), "no start time", false)
	put(t, lxcPidDir+"/web", []byte("4711\n98765\n"))
	rec, err := readLXC("web")
	if err != nil || rec.pid != 4711 || rec.start != 98765 {
		t.Errorf("%+v, %v", rec, err)
	}
}

func TestParseMachine(t *testing.T) {
	rec, err := parseMachine("/m", []byte("NAME=web\nLEADER=4711\nLEADER_PIDFDID=1234\nCLASS=container\n"))
	if err != nil || rec.pid != 4711 || rec.pidfdID != 1234 || !rec.written.IsZero() {
		t.Errorf("%+v, %v", rec, err)
	}
	if rec, err := parseMachine("/m", []byte("NAME=web\nUID=0\nLEADER=4711\nLEADER_PIDFDID=9\n")); err != nil || rec.pid != 4711 {
		t.Errorf("UID=0: %+v, %v", rec, err)
	}
	for _, bad := range []string{"LEADER=4711\nLEADER_PIDFDID=x\n", "LEADER=4711\nLEADER_PIDFDID=0\n", "LEADER_PIDFDID=7\n",
		"NAME=web\nUID=3001\nLEADER=4711\n", "UID=\nLEADER=4711\n", "UID=00\nLEADER=4711\n"} {
		if _, err := parseMachine("/m", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Runtime state naming a live process that is not a container's init (as
// a removed container's pid, reused) is refused as stale by the pinning.
func TestRuntimeStatePinned(t *testing.T) {
	stateTree(t)
	put(t, crunRoot+"/c1/status", []byte(`{"pid":`+strconv.Itoa(os.Getpid())+`,"process-start-time":1}`))
	_, err := Locate(&config.Jail{Name: "web", OCI: "c1"})
	wantErr(t, "our own pid", err, "stale", false)
	var je *Error
	if !errors.As(err, &je) || je.Jail != "web" {
		t.Errorf("%v is not a *Error for jail web", err)
	}
}

// A removed container's pid may stay taken without a process: as the
// process group of a survivor. It must read as "not running" (stale
// state). (pidfd_open says ESRCH here; the ENOENT pin also maps, seen once
// in tests/runtimes.sh for a pid being released, has no deterministic test.)
func TestPidWithoutProcessIsNotRunning(t *testing.T) {
	stateTree(t)
	cmd := exec.Command("/bin/sh", "-c", "sleep 60 </dev/null >/dev/null 2>&1 & exit 0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil { // reaped: only the group is left
		t.Fatal(err)
	}
	leader := cmd.Process.Pid
	defer syscall.Kill(-leader, syscall.SIGKILL)
	if err := syscall.Kill(-leader, 0); err != nil {
		t.Skipf("no process left in group %d: %v", leader, err)
	}
	put(t, crunRoot+"/c1/status", []byte(`{"pid":`+strconv.Itoa(leader)+`,"process-start-time":1}`))
	_, err := Locate(&config.Jail{Name: "web", OCI: "c1"})
	wantErr(t, "group leader gone", err, "stale state", true)
}

// machined's LEADER_PIDFDID= names the process itself: the pidfd jailsh
// opens must have that id (its pidfs inode number).
func TestCheckPidfdID(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pidfd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(pidfd)
	var st unix.Stat_t
	if err := unix.Fstat(pidfd, &st); err != nil {
		t.Fatal(err)
	}
	var self unix.Stat_t
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
		unix.Fstat(fd, &self)
		unix.Close(fd)
	}
	if self.Ino == st.Ino {
		t.Skip("no pidfs (Linux < 6.9): every pidfd has the same inode")
	}
	rec := record{source: "/run/systemd/machines/web", pid: cmd.Process.Pid, pidfdID: st.Ino}
	if err := checkPidfdID(pidfd, rec); err != nil {
		t.Errorf("its own id: %v", err)
	}
	rec.pidfdID = self.Ino // another process's id for the same pid
	wantErr(t, "another process's id", checkPidfdID(pidfd, rec), "stale state, the pid was reused", true)
}

// A state directory is read only under its own name (issue 22): crun's
// status names no container, so a link /run/crun/cw -> c1 would land cw's
// users in c1.
func TestStateDirOwnName(t *testing.T) {
	stateTree(t)
	put(t, crunRoot+"/c1/status", []byte(`{"pid":4711,"process-start-time":1}`))
	if err := os.Symlink("c1", crunRoot+"/cw"); err != nil {
		t.Fatal(err)
	}
	_, err := readOCI(crunRoot, "cw")
	wantErr(t, "crun link", err, crunRoot+"/cw: not a directory (a symbolic link?): not container \"cw\"'s own state", false)
	put(t, runcRoot+"/r1/state.json", []byte(`{"id":"r1","init_process_pid":4711,"init_process_start":1}`))
	if err := os.Symlink("r1", runcRoot+"/rw"); err != nil {
		t.Fatal(err)
	}
	_, err = readOCI(runcRoot, "rw")
	wantErr(t, "runc link", err, "not container \"rw\"'s own state", false)
	if rec, err := readOCI(crunRoot, "c1"); err != nil || rec.pid != 4711 {
		t.Errorf("c1: %+v, %v", rec, err)
	}
}

// containerd by NAMESPACE/ID: the shim's init.pid and runc's state agree.
func TestReadContainerd(t *testing.T) {
	stateTree(t)
	put(t, containerdTasks+"/default/web/init.pid", []byte("4711"))
	put(t, containerdRunc+"/default/web/state.json", []byte(`{"id":"web","init_process_pid":4711,"init_process_start":98765}`))
	rec, err := readContainerd("default/web")
	if err != nil || rec.pid != 4711 || rec.start != 98765 || !strings.Contains(rec.how, `containerd container "web" in namespace "default"`) {
		t.Errorf("%+v, %v", rec, err)
	}
	put(t, containerdTasks+"/default/web/init.pid", []byte("4712"))
	_, err = readContainerd("default/web")
	wantErr(t, "pids differ", err, "says pid 4712", false)
	_, err = readContainerd("k8s.io/web")
	wantErr(t, "other namespace", err, "jail is not running", true)
}
