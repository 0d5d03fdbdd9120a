package jail

// A FreeBSD jail confines whatever enters it. A Linux container does not:
// its limits were placed on its init by the runtime (bounding set,
// no_new_privs, cgroups, LSM label, seccomp) and a process that merely joins
// its namespaces inherits none of them. jailsh runs as host root until the
// drop, so without this file a setuid-root program inside the jail would
// give the session the host's full capability set in the jail's namespaces.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// initState is the confinement of the jail's init, read at Locate time.
type initState struct {
	capBnd     uint64
	lastCap    int
	noNewPrivs bool
	seccomp    int // 0 none, 1 strict, 2 filter
	filters    int // Seccomp_filters (Linux 5.9); -1 when not shown
	cgroups    []cgroupLine
	label      string // LSM label of the init ("" when no LSM is active)
	ourLabel   string
}

type cgroupLine struct {
	id, controllers, path string
}

func readInit(procfd int, dir string) (*initState, error) {
	st := &initState{filters: -1}
	status, err := readAt(procfd, "status")
	if err != nil {
		return nil, fmt.Errorf("read %s/status: %w", dir, err)
	}
	seen := 0
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "CapBnd":
			st.capBnd, err = strconv.ParseUint(v, 16, 64)
			seen++
		case "NoNewPrivs":
			st.noNewPrivs = v == "1"
			seen++
		case "Seccomp":
			st.seccomp, err = strconv.Atoi(v)
			seen++
		case "Seccomp_filters":
			st.filters, err = strconv.Atoi(v)
		}
		if err != nil {
			return nil, fmt.Errorf("%s/status: %s: %w", dir, k, err)
		}
	}
	if seen != 3 {
		return nil, fmt.Errorf("%s/status: no CapBnd, NoNewPrivs or Seccomp line", dir)
	}
	last, err := readAt(unix.AT_FDCWD, "/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return nil, err
	}
	if st.lastCap, err = strconv.Atoi(strings.TrimSpace(string(last))); err != nil {
		return nil, fmt.Errorf("/proc/sys/kernel/cap_last_cap: %w", err)
	}
	cg, err := readAt(procfd, "cgroup")
	if err != nil {
		return nil, fmt.Errorf("read %s/cgroup: %w", dir, err)
	}
	if st.cgroups, err = parseCgroups(string(cg)); err != nil {
		return nil, fmt.Errorf("%s/cgroup: %w", dir, err)
	}
	st.label, err = lsmLabel(func() ([]byte, error) { return readAt(procfd, "attr/current") })
	if err != nil {
		return nil, fmt.Errorf("read %s/attr/current: %w", dir, err)
	}
	st.ourLabel, err = lsmLabel(func() ([]byte, error) { return readAt(unix.AT_FDCWD, "/proc/self/attr/current") })
	if err != nil {
		return nil, fmt.Errorf("read /proc/self/attr/current: %w", err)
	}
	return st, nil
}

// readAt reads a kernel file through a blocking fd: os.Open and os.ReadFile
// would start Go's netpoller, leaving an epoll fd and an eventfd in the PAM
// host (sshd, login, su).
func readAt(dirfd int, name string) ([]byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}

// lsmLabel returns "" when no LSM answers (EINVAL or ENOENT) or the task is
// unconfined.
func lsmLabel(read func() ([]byte, error)) (string, error) {
	b, err := read()
	if errors.Is(err, unix.EINVAL) || errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOPROTOOPT) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	l := strings.TrimRight(string(b), "\x00\n")
	if l == "unconfined" || l == "" {
		return "", nil
	}
	return l, nil
}

func parseCgroups(s string) ([]cgroupLine, error) {
	var out []cgroupLine
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || !strings.HasPrefix(f[2], "/") {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		out = append(out, cgroupLine{f[0], f[1], f[2]})
	}
	return out, nil
}

// Step is one line of the confinement plan: what the jail's init has and
// what a session entered through jailsh gets.
type Step struct {
	What, Jail, Session string
}

// Confinement is the plan Run applies, for jailsh -n. It fails where Run
// would refuse.
func (j *Jail) Confinement() ([]Step, error) {
	if j.init == nil {
		nnp := "yes"
		return []Step{{"no_new_privs", "-", nnp}, {"namespaces", "none (chroot)", "none (chroot)"}}, nil
	}
	in := j.init
	var steps []Step
	yn := map[bool]string{true: "yes", false: "no"}
	steps = append(steps, Step{"no_new_privs", yn[in.noNewPrivs], yn[j.noNewPrivs()]})
	steps = append(steps, Step{"bounding set", fmt.Sprintf("%#x", in.capBnd), fmt.Sprintf("%#x (caps not in the jail's dropped)", in.capBnd)})
	ptrace := "no"
	if in.capBnd&(1<<unix.CAP_SYS_PTRACE) != 0 {
		ptrace = "yes"
	}
	if j.userns != nil {
		steps = append(steps, Step{"CAP_SYS_PTRACE", ptrace + " (in its own user namespace)", "allowed: no capability over the host"})
		steps = append(steps, Step{"uid_map", oneLine(j.userns.uidText), "the user's ids mapped"})
		steps = append(steps, Step{"gid_map", oneLine(j.userns.gidText), "the user's ids mapped"})
	} else {
		steps = append(steps, Step{"CAP_SYS_PTRACE", ptrace, "allowed: the jail sees only the session, run from a sealed image"})
	}
	steps = append(steps, Step{"inheritable/ambient", "-", "empty"})
	for _, c := range in.cgroups {
		steps = append(steps, Step{"cgroup " + c.id + ":" + c.controllers, c.path, c.path})
	}
	label := in.label
	if label == "" {
		label = "none"
	}
	steps = append(steps, Step{"LSM label", label, label})
	steps = append(steps, j.seccompStep())
	if err := j.checkConfinable(); err != nil {
		return steps, err
	}
	_, err := j.sessionSeccomp()
	return steps, err
}

func (j *Jail) noNewPrivs() bool {
	return !j.cfg.AllowSetuid || (j.init != nil && j.init.noNewPrivs)
}

// CheckConfinement refuses, before anything is entered or logged as
// allowed, a jail whose confinement the session could not get.
func (j *Jail) CheckConfinement() error {
	if err := j.checkConfinable(); err != nil {
		return &Error{Jail: j.name, Err: err}
	}
	return nil
}

// checkConfinable refuses what cannot be made as strong as the jail.
func (j *Jail) checkConfinable() error {
	// CAP_SYS_PTRACE in the jail, even in the host's user namespace, is
	// no refusal: the only process of ours the jail can see is the
	// session, the user, a copy of the sealed attach helper holding its
	// stdio alone (internal/attach/c/attach.c).
	if err := j.checkSeccomp(); err != nil {
		return err
	}
	if _, _, err := j.execLabel(); err != nil {
		return err
	}
	return nil
}

func slicesContains(ls []cgroupLine, c cgroupLine) bool {
	for _, l := range ls {
		if l == c {
			return true
		}
	}
	return false
}

type cgroupMount struct {
	mountpoint, root string
	v2               bool
	options          []string // v1: the mount options, which name the controllers
}

type mountTable []cgroupMount

func hasAll(opts, want []string) bool {
	for _, w := range want {
		found := false
		for _, o := range opts {
			if o == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func cgroupMounts() (mountTable, error) {
	mi, err := readAt(unix.AT_FDCWD, "/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out mountTable
	sc := bufio.NewScanner(bytes.NewReader(mi))
	for sc.Scan() {
		// id parent major:minor root mountpoint opts [optional...] - fstype source superopts
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		pf, sf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(sf) < 3 {
			continue
		}
		switch sf[0] {
		case "cgroup2":
			out = append(out, cgroupMount{unescape(pf[4]), unescape(pf[3]), true, nil})
		case "cgroup":
			out = append(out, cgroupMount{unescape(pf[4]), unescape(pf[3]), false, strings.Split(sf[2], ",")})
		}
	}
	return out, sc.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// execLabel says where and what to write so that the session executes
// under the init's LSM label; file is "" when nothing needs doing.
func (j *Jail) execLabel() (file, value string, err error) {
	if j.init == nil || j.init.label == "" || j.init.label == j.init.ourLabel {
		return "", "", nil
	}
	label := j.init.label
	switch {
	case exists("/proc/thread-self/attr/apparmor/exec"):
		// AppArmor shows "profile (mode)"; exec takes "exec profile".
		profile, _, _ := strings.Cut(label, " (")
		return "/proc/thread-self/attr/apparmor/exec", "exec " + profile, nil
	case exists("/sys/fs/selinux/enforce"):
		return "/proc/thread-self/attr/exec", label, nil
	}
	return "", "", fmt.Errorf("%w: the jail's init runs under LSM label %q and jailme cannot apply it here", ErrConfine, label)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
