package jail

// The session carries the jail init's seccomp filter (issue 23), as
// docker exec, podman exec, runc exec and lxc-attach give what they start
// the container's: the filter is the kernel surface the container's owner
// chose to close (docker's and podman's default profiles refuse keyctl,
// bpf, userfaultfd, unshare of new namespaces, mount...). The filters are
// copied from the init as the kernel holds them (package seccomp) and
// installed by the session as its last step before execve, after
// no_new_privs (internal/attach/c/attach.c): nothing of ours then depends on what the
// filter makes of a system call.

import (
	"errors"
	"fmt"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/seccomp"
)

// seccompCopy is one init's copy, or why there is none.
type seccompCopy struct {
	set *seccomp.Set
	err error
}

// CarrySeccomp copies the init's seccomp filters for the session and
// refuses (ErrConfine) a jail whose filters cannot be carried. It stops the
// init for a moment (ptrace), so only jailsh calls it — for the login and
// for -n and --audit — never pam_jailme: inside sshd the tracee's stops
// would be reported to sshd's own waitpid(-1), and jailsh, the login
// shell, refuses the same session with the same reason. Once per init
// and process (copies): the stage installs what was copied here.
func (j *Jail) CarrySeccomp() error {
	if _, err := j.sessionSeccomp(); err != nil {
		return &Error{Jail: j.name, Err: err}
	}
	return nil
}

// sessionSeccomp is the filter set the session installs: nil when the
// jail has none, when it opted out, or when it is a plain chroot.
func (j *Jail) sessionSeccomp() (*seccomp.Set, error) {
	if err := j.checkSeccomp(); err != nil || j.init == nil || j.init.seccomp == 0 || j.cfg.Seccomp == config.SeccompNone {
		return nil, err
	}
	key := initKey{j.pid, j.start}
	if c, ok := copies[key]; ok {
		return c.set, c.err
	}
	set, err := j.copyFromInit()
	if err != nil && errors.Is(err, ErrNotRunning) {
		return nil, err
	}
	if copies == nil {
		copies = map[initKey]seccompCopy{}
	}
	copies[key] = seccompCopy{set, err}
	return set, err
}

// copies holds each init's copy for the life of the process, keyed by the
// pinned init: a login decides, then the stage installs the same copy;
// jailsh --audit decides for every user and must stop each init once, not
// once per user (and wait the 2 s deadline for one that does not stop
// once). Filters are only ever added, so a copy can only miss those added
// after it, which the init got after the decision was made. No locking:
// the admin forms and a login are sequential, and pam_jailme never copies.
var copies map[initKey]seccompCopy

type initKey struct {
	pid   int
	start uint64
}

func (j *Jail) copyFromInit() (*seccomp.Set, error) {
	set, err := seccomp.FromProcess(j.pid)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; %s", ErrConfine, err, optOut)
	}
	// The copy is of the pinned init: its pidfd is still alive, so the pid
	// was not reused while it was read.
	if err := j.alive(); err != nil {
		return nil, err
	}
	if len(set.Filters) == 0 {
		return nil, fmt.Errorf("%w: pid %d shows Seccomp: 2 but has no filter to copy", ErrConfine, j.pid)
	}
	if err := set.Carriable(); err != nil {
		return nil, fmt.Errorf("%w: %w; %s", ErrConfine, err, optOut)
	}
	return set, nil
}

const optOut = "`seccomp = none;` in the jail's block lets sessions run without it"

// checkSeccomp refuses, without touching the init, what no copy can fix:
// /proc/PID/status says it all. Not TracerPid: another login's jailsh may
// be copying the same init at this moment (package seccomp waits for it).
func (j *Jail) checkSeccomp() error {
	in := j.init
	if in == nil || in.seccomp == 0 || j.cfg.Seccomp == config.SeccompNone {
		return nil
	}
	switch {
	case in.seccomp == 1:
		return fmt.Errorf("%w: the jail's init runs in strict seccomp mode (Seccomp: 1), in which no session can be started; %s", ErrConfine, optOut)
	case !j.noNewPrivs():
		// Installing a filter without no_new_privs needs CAP_SYS_ADMIN,
		// which the session no longer has; before the drop, the stage's
		// own remaining steps would run under the jail's filter.
		return fmt.Errorf("%w: allow_setuid: the jail's init runs under a seccomp filter (Seccomp: %d) that a session without no_new_privs cannot install: its root would escape it; %s",
			ErrConfine, in.seccomp, optOut)
	}
	return nil
}

// seccompStep is the confinement table's seccomp line: the init's mode and
// filter count, and what the session gets.
func (j *Jail) seccompStep() Step {
	in := j.init
	mode := map[int]string{0: "none", 1: "strict", 2: "filter"}[in.seccomp]
	if in.seccomp == 2 && in.filters >= 0 {
		mode = fmt.Sprintf("filter (%d)", in.filters)
	}
	switch {
	case in.seccomp == 0:
		return Step{"seccomp", mode, "none"}
	case j.cfg.Seccomp == config.SeccompNone:
		return Step{"seccomp", mode, "none (seccomp = none: not carried)"}
	}
	set, err := j.sessionSeccomp()
	if err != nil {
		return Step{"seccomp", mode, "refused (below)"}
	}
	return Step{"seccomp", mode, fmt.Sprintf("%s in %v, installed last before exec", set, set.Took.Round(10_000))}
}

// SeccompWaived says, for jailsh --audit, that the jail's init runs under
// a filter its sessions do not get because the jail opted out; "" if not.
func (j *Jail) SeccompWaived() string {
	if j.init == nil || j.init.seccomp == 0 || j.cfg.Seccomp != config.SeccompNone {
		return ""
	}
	return fmt.Sprintf("%s: seccomp = none: sessions run without the seccomp filter of the jail's init (Seccomp: %d)", j.cfg.Pos, j.init.seccomp)
}
