package jail

// Pinning: proving that the process root-owned state names is the jail's
// init that state was written for. A pidfile outlives its process (runc and
// podman leave --pid-file behind, a runtime crashes), and its pid is then
// handed to whatever starts next: a systemd service with PrivateTmp= (its
// own mount namespace, the host's files) would have been "the jail", the
// host's /etc/passwd read as the jail's and the session run on the host.
// Every jail source (pidfile, machined, and the runtimes' state) goes
// through proveInit.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// record is what root-owned state says about a jail's init.
type record struct {
	source  string    // the root-owned file the pid came from
	pid     int       // host pid
	start   uint64    // field 22 of /proc/PID/stat the state recorded; 0: none
	written time.Time // the state's mtime: without start, the init must be older
	pidfdID uint64    // the pidfd inode (pidfs) the state recorded; 0: none
	cgroup  string    // the cgroup the init was found in (lxc); "": none
	how     string    // which runtime's state led there, for jailsh -n
}

// userHZ is the unit of /proc/PID/stat's start time (USER_HZ, sysconf
// _SC_CLK_TCK): 100 on every architecture Go supports on Linux.
const userHZ = 100

// stampSlack covers the granularity of the two clocks compared: the start
// time is truncated to 1/USER_HZ (10 ms), an mtime comes from the coarse
// clock (a jiffy behind) and on some file systems is whole seconds (ext4
// with 128-byte inodes, some NFS servers). A process that started before
// its pidfile was written is never refused; one that started more than
// this after it always is. A pid reused within a second of the write is
// what the start-time line is for.
const stampSlack = time.Second

// proveInit refuses unless the process whose /proc directory procfd is (opened
// after its pidfd, which the caller checks again afterwards) is the init of
// its own pid namespace, has a root that is not ours, and is the process rec
// was written for. It returns the process's start time.
func proveInit(procfd int, rec record) (uint64, error) {
	status, err := readAt(procfd, "status")
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/status: %w", rec.pid, err)
	}
	nspid := statusField(status, "NSpid")
	if len(nspid) == 0 {
		return 0, fmt.Errorf("/proc/%d/status: no NSpid line", rec.pid)
	}
	if nspid[len(nspid)-1] != "1" {
		return 0, fmt.Errorf("pid %d from %s is not the init of its own pid namespace (NSpid %s): %s is stale or does not name a jail's init",
			rec.pid, rec.source, strings.Join(nspid, " "), rec.source)
	}

	var theirs, ours unix.Stat_t
	if err := unix.Fstatat(procfd, "root", &theirs, 0); err != nil {
		return 0, fmt.Errorf("stat /proc/%d/root: %w", rec.pid, err)
	}
	if err := unix.Stat("/", &ours); err != nil {
		return 0, fmt.Errorf("stat /: %w", err)
	}
	if theirs.Dev == ours.Dev && theirs.Ino == ours.Ino {
		return 0, fmt.Errorf("pid %d from %s has the host's / as its root directory: it is not a jail (%s is stale and the pid now belongs to a host process?)",
			rec.pid, rec.source, rec.source)
	}

	if rec.cgroup != "" {
		if err := inCgroup(procfd, rec); err != nil {
			return 0, err
		}
	}

	stat, err := readAt(procfd, "stat")
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/stat: %w", rec.pid, err)
	}
	start, err := parseStartTime(stat)
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", rec.pid, err)
	}
	switch {
	case rec.start != 0:
		if start != rec.start {
			return 0, fmt.Errorf("pid %d from %s started at %d, %s recorded %d: stale state, the pid was reused: %w",
				rec.pid, rec.source, start, rec.source, rec.start, ErrNotRunning)
		}
	case !rec.written.IsZero():
		after, err := startedAfter(start, rec.written)
		if err != nil {
			return 0, err
		}
		if after > 0 {
			return 0, fmt.Errorf("pid %d from %s started %v after %s was written (%s): stale state, the pid was reused (a start time on the pidfile's second line would say which process it means): %w",
				rec.pid, rec.source, after.Round(time.Millisecond), rec.source, rec.written.UTC().Format(time.RFC3339Nano), ErrNotRunning)
		}
	}
	return start, nil
}

// startedAfter returns how long after written a process with start time
// start (clock ticks since boot) began, 0 when it may have begun before.
// written is moved to the boot clock through the current offset between
// the two clocks, read at one instant with nanosecond precision (rather
// than /proc/stat's btime, which is whole seconds). A step of the wall clock
// since the state was written shifts the comparison: the start-time line
// does not depend on it.
func startedAfter(start uint64, written time.Time) (time.Duration, error) {
	var real, boot unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &real); err != nil {
		return 0, fmt.Errorf("clock_gettime(CLOCK_REALTIME): %w", err)
	}
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot); err != nil {
		return 0, fmt.Errorf("clock_gettime(CLOCK_BOOTTIME): %w", err)
	}
	offset := time.Duration(real.Nano() - boot.Nano()) // boot instant on the wall clock
	return startedAfterBoot(start, time.Duration(written.UnixNano())-offset), nil
}

// startedAfterBoot is startedAfter with written already on the boot clock.
func startedAfterBoot(start uint64, writtenBoot time.Duration) time.Duration {
	began := time.Duration(start) * (time.Second / userHZ) // truncated: the true start is not earlier
	if d := began - writtenBoot; d > stampSlack {
		return d
	}
	return 0
}

// parseStartTime returns field 22 of /proc/PID/stat. Field 2 is the command
// name in parentheses, which may itself hold spaces and parentheses: count
// from the last ')'.
func parseStartTime(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state): field 22 is f[19].
	if len(f) < 20 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 20", len(f))
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("start time %q: not a number", f[19])
	}
	return v, nil
}

// statusField returns the fields of the "key:" line of /proc/PID/status.
func statusField(status []byte, key string) []string {
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.Fields(v)
		}
	}
	return nil
}

// readPidfile returns the pid in a root-owned pidfile (firejail
// CVE-2022-31214: a pid from user-writable state redirects the attach) and,
// on an optional second line, the start time of that process as field 22 of
// its /proc/PID/stat.
func readPidfile(path string) (record, error) {
	data, err := readRootFile(path)
	if err != nil {
		return record{}, err
	}
	rec, err := parsePidfile(path, data)
	if err != nil {
		return record{}, err
	}
	// After the read: a root-owned file in root-owned directories, so only
	// root can replace it in between, and a newer mtime only means a later
	// write of the same state.
	fi, err := os.Lstat(path)
	if err != nil {
		return record{}, fmt.Errorf("%s: %w", path, err)
	}
	rec.written = fi.ModTime()
	return rec, nil
}

func parsePidfile(path string, data []byte) (record, error) {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 2 {
		return record{}, fmt.Errorf("%s: %d lines, want the pid and at most a start time", path, len(lines))
	}
	pid, err := parsePid(path, strings.TrimSpace(lines[0]))
	if err != nil {
		return record{}, err
	}
	rec := record{source: path, pid: pid}
	if len(lines) == 2 {
		s := strings.TrimSpace(lines[1])
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v == 0 || s[0] < '0' || s[0] > '9' {
			return record{}, fmt.Errorf("%s:2: %q is not a start time (field 22 of /proc/PID/stat)", path, s)
		}
		rec.start = v
	}
	return rec, nil
}
