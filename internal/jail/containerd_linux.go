package jail

// containerd without docker (ctr, nerdctl, a Kubernetes node's CRI): the
// runc v2 shim of containerd 1.6 keeps each task's bundle under
// io.containerd.runtime.v2.task/NAMESPACE/ID, where runc's --pid-file
// writes init.pid, and runs runc with --root /run/containerd/runc/NAMESPACE,
// whose ID/state.json records the init's pid and start time. Both are
// root's; they must name the same pid.

import (
	"fmt"
	"strings"
)

// Where containerd (its default state directory, /run/containerd) keeps
// them; tests point these at fixtures.
var (
	containerdTasks = "/run/containerd/io.containerd.runtime.v2.task"
	containerdRunc  = "/run/containerd/runc"
)

// readContainerd finds the init of containerd task ref, "NAMESPACE/ID".
func readContainerd(ref string) (record, error) {
	ns, id, _ := strings.Cut(ref, "/")
	if err := plainName("containerd namespace", ns); err != nil {
		return record{}, err
	}
	if err := plainName("containerd container", id); err != nil {
		return record{}, err
	}
	what := fmt.Sprintf("containerd container %q in namespace %q", id, ns)
	if err := checkStateDir(containerdTasks+"/"+ns, id); err != nil {
		return record{}, fmt.Errorf("%s: %w", what, err)
	}
	pidPath := containerdTasks + "/" + ns + "/" + id + "/init.pid"
	data, err := readState(pidPath)
	if err != nil {
		return record{}, fmt.Errorf("%s: %w", what, err)
	}
	shim, err := parsePidfile(pidPath, data)
	if err != nil {
		return record{}, fmt.Errorf("%s: %w", what, err)
	}
	rec, err := readRunc(containerdRunc+"/"+ns, id)
	if err != nil {
		return record{}, fmt.Errorf("%s (%s): %w", what, pidPath, err)
	}
	if rec.pid != shim.pid {
		return record{}, fmt.Errorf("%s: %s says pid %d, %s pid %d: stale state", what, pidPath, shim.pid, rec.source, rec.pid)
	}
	rec.how = fmt.Sprintf("%s (%s), runc state", what, pidPath)
	return rec, nil
}
