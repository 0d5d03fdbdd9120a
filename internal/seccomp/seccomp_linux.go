package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Timeout bounds the whole copy. The init normally stops within
// microseconds of PTRACE_INTERRUPT; one that does not (a paused jail: the
// freezer holds it until it is thawed) is refused after this long.
const Timeout = 2 * time.Second

// maxFilters bounds the loop over the init's filters: the kernel refuses
// more than MAX_INSNS_PER_PATH (32768) instructions over a chain, and a
// filter has at least one, so a longer chain is a bug of ours.
const maxFilters = 32768

// Set is what a session carries: the init's filters in the order they must
// be installed, the oldest first (the kernel evaluates them all and, for
// equal actions, the most recently installed one's data wins, so the order
// decides which errno a refused call returns).
type Set struct {
	Pid     int                 // the process they were copied from
	Filters [][]unix.SockFilter // oldest first
	Took    time.Duration       // seize to detach, for jailsh -n and the benchmark
}

// String describes the set for jailsh -n: "2 filters (6+7 instructions)
// copied from pid 4711".
func (s *Set) String() string {
	if s == nil || len(s.Filters) == 0 {
		return "none"
	}
	ns := make([]string, len(s.Filters))
	for i, f := range s.Filters {
		ns[i] = strconv.Itoa(len(f))
	}
	what := "filters"
	if len(s.Filters) == 1 {
		what = "filter"
	}
	return fmt.Sprintf("%d %s (%s instructions) copied from pid %d", len(s.Filters), what, strings.Join(ns, "+"), s.Pid)
}

// ErrUncarriable is wrapped by every reason a filter cannot be given to a
// session.
var ErrUncarriable = errors.New("the jail's seccomp filter cannot be carried into the session")

// Carriable refuses a set a session cannot be given as the init has it: a
// filter that can hand a system call to a user-space supervisor
// (SECCOMP_RET_USER_NOTIF) works only with the listener fd the supervisor
// holds, which belongs to the filter the init was given; a copy has none,
// and the kernel then fails those calls with ENOSYS where the supervisor
// might have allowed them. A filter returning the accumulator (BPF_RET|A)
// could return that action too. libseccomp and the runtimes' compilers
// only ever return constants.
func (s *Set) Carriable() error {
	for i, f := range s.Filters {
		for pc, in := range f {
			switch in.Code {
			case unix.BPF_RET | unix.BPF_K:
				if in.K&unix.SECCOMP_RET_ACTION_FULL == unix.SECCOMP_RET_USER_NOTIF {
					return fmt.Errorf("%w: filter %d of %d (instruction %d) hands system calls to a user-space supervisor (SECCOMP_RET_USER_NOTIF), whose listener a copy cannot have",
						ErrUncarriable, i+1, len(s.Filters), pc)
				}
			case unix.BPF_RET | unix.BPF_A:
				return fmt.Errorf("%w: filter %d of %d (instruction %d) returns a computed action (BPF_RET|BPF_A), which may be SECCOMP_RET_USER_NOTIF",
					ErrUncarriable, i+1, len(s.Filters), pc)
			}
		}
	}
	return nil
}

// FromProcess copies the seccomp filters of pid's main thread, oldest
// first. It needs CAP_SYS_ADMIN, a kernel with CONFIG_CHECKPOINT_RESTORE,
// no filter on the caller itself, and an init nobody traces: a process has
// one tracer, and another one's (a debugger's, a supervisor's) must not be
// displaced. The init is stopped for the copy (PTRACE_INTERRUPT) and
// released at once; a blocking system call it was in may return EINTR
// where the kernel does so after any stop (signal(7)).
//
// ptrace is per thread: the tracer is a thread of its own, locked for the
// copy and never unlocked, so that it ends with the copy and the kernel
// detaches whatever it still traces (an init that never stopped cannot be
// detached by PTRACE_DETACH, only by its tracer's exit). The caller waits
// for it: nothing runs concurrently with the login.
func FromProcess(pid int) (set *Set, err error) {
	onExitingThread(func() { set, err = copyHere(pid) })
	return set, err
}

// copyHere copies pid's filters from the calling thread, its tracer.
func copyHere(pid int) (set *Set, err error) {
	defer func() {
		if r := recover(); r != nil {
			set, err = nil, fmt.Errorf("copy the seccomp filters of pid %d: panic: %v", pid, r)
		}
	}()
	start := time.Now()
	fs, err := copyTraced(pid, start.Add(Timeout))
	if err != nil {
		return nil, err
	}
	return &Set{Pid: pid, Filters: fs, Took: time.Since(start)}, nil
}

// onExitingThread runs f on a thread of its own, locked and never
// unlocked, and returns when f has: the thread then ends, and the kernel
// detaches whatever it still traces.
func onExitingThread(f func()) {
	done := make(chan struct{})
	go runLocked(f, done)
	<-done
}

// runLocked locks the goroutine's thread for f and closes done after it.
// Never the main thread: the Go runtime never lets that one exit (it parks
// it for good), so a tracee that did not stop would stay traced, and
// stopped once thawed, for as long as the process lives (seen in CI:
// TracerPid was the test binary's pid). There, it holds the main thread,
// locked, while a goroutine that cannot be scheduled on it runs f.
func runLocked(f func(), done chan<- struct{}) {
	defer close(done)
	runtime.LockOSThread()
	if unix.Gettid() == unix.Getpid() {
		onExitingThread(f)
		runtime.UnlockOSThread()
		return
	}
	f()
}

func ptrace(req, pid int, addr, data uintptr) (uintptr, error) {
	r, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0)
	if e != 0 {
		return 0, e
	}
	return r, nil
}

// copyTraced runs on the locked tracer thread: seize, interrupt, wait for
// the stop, read every filter, detach.
func copyTraced(pid int, deadline time.Time) ([][]unix.SockFilter, error) {
	if err := seize(pid, deadline); err != nil {
		return nil, err
	}
	if _, err := ptrace(unix.PTRACE_INTERRUPT, pid, 0, 0); err != nil {
		return nil, fmt.Errorf("%w: ptrace(PTRACE_INTERRUPT, %d): %v", ErrUncarriable, pid, err)
	}
	sig, err := awaitStop(pid, deadline)
	if err != nil {
		return nil, err
	}
	fs, err := readFilters(pid)
	// A signal the stop caught (the init's SIGCHLD, most often) is handed
	// back on detach; a group stop stays a stop.
	if _, derr := ptrace(unix.PTRACE_DETACH, pid, 0, uintptr(sig)); derr != nil && err == nil {
		err = fmt.Errorf("%w: ptrace(PTRACE_DETACH, %d): %v", ErrUncarriable, pid, derr)
	}
	return fs, err
}

// seize attaches to pid. A process has one tracer: EPERM is most often
// another login's jailsh copying the same init (well under a millisecond),
// so it is retried until the deadline; a debugger or supervisor that holds
// the init longer is named in the refusal.
func seize(pid int, deadline time.Time) error {
	for pause := 20 * time.Microsecond; ; pause = min(2*pause, maxPause) {
		_, err := ptrace(unix.PTRACE_SEIZE, pid, 0, 0)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("%w: ptrace(PTRACE_SEIZE, %d): %v", ErrUncarriable, pid, err)
		}
		if time.Now().After(deadline) {
			if tracer := tracerPid(pid); tracer != "" && tracer != "0" {
				return fmt.Errorf("%w: pid %d is traced by pid %s (TracerPid) and stayed so for %v: a process has one tracer", ErrUncarriable, pid, tracer, Timeout)
			}
			return fmt.Errorf("%w: ptrace(PTRACE_SEIZE, %d): %v", ErrUncarriable, pid, err)
		}
		nap(pause)
	}
}

// tracerPid is the TracerPid field of pid's status, "" if unreadable.
func tracerPid(pid int) string {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	b := make([]byte, 4096)
	n, _ := unix.Read(fd, b)
	for _, line := range strings.Split(string(b[:max(n, 0)]), "\n") {
		if v, ok := strings.CutPrefix(line, "TracerPid:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// maxPause caps the polling backoff: a longer nap would be added, whole, to
// a login whose init got the CPU late (a loaded host).
const maxPause = time.Millisecond

// nap sleeps on this (locked) thread in the kernel: time.Sleep would park
// the goroutine and wake it through the Go scheduler, later.
func nap(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}

// awaitStop waits, polling until deadline, for the tracee's first stop and
// returns the signal to give back on detach (0 unless the stop is a
// signal-delivery stop).
func awaitStop(pid int, deadline time.Time) (unix.Signal, error) {
	pause := 20 * time.Microsecond
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WALL|unix.WNOHANG, nil)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return 0, fmt.Errorf("%w: wait4(%d, __WALL): %v", ErrUncarriable, pid, err)
		case got == pid && ws.Stopped():
			if uint32(ws)>>16 == 0 {
				return ws.StopSignal(), nil // a signal-delivery stop
			}
			return 0, nil // PTRACE_EVENT_STOP: our interrupt, or a group stop
		case got == pid:
			return 0, fmt.Errorf("%w: pid %d ended while it was being stopped (wait status %#x)", ErrUncarriable, pid, uint32(ws))
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%w: pid %d did not stop within %v of PTRACE_INTERRUPT (is the jail paused?)", ErrUncarriable, pid, Timeout)
		}
		nap(pause)
		pause = min(2*pause, maxPause)
	}
}

// readFilters reads every filter of the stopped tracee. The kernel counts
// from the oldest: index 0 is the first filter installed and ENOENT follows
// the most recent (measured on Linux 6.18: tests/confine/seccomp_deny.c
// installs a 7-instruction filter, then a 9-instruction one, and index 0
// has 7; ptrace(2) says the opposite, get_nth_filter() agrees with us).
func readFilters(pid int) ([][]unix.SockFilter, error) {
	var fs [][]unix.SockFilter
	for i := 0; ; i++ {
		if i == maxFilters {
			return nil, fmt.Errorf("%w: pid %d: more than %d filters", ErrUncarriable, pid, maxFilters)
		}
		n, err := ptrace(unix.PTRACE_SECCOMP_GET_FILTER, pid, uintptr(i), 0)
		if errors.Is(err, unix.ENOENT) {
			return fs, nil
		}
		if err != nil {
			return nil, filterError(pid, i, err)
		}
		if n == 0 || n > unix.BPF_MAXINSNS {
			return nil, fmt.Errorf("%w: pid %d: filter %d has %d instructions", ErrUncarriable, pid, i, n)
		}
		f := make([]unix.SockFilter, n)
		m, err := ptrace(unix.PTRACE_SECCOMP_GET_FILTER, pid, uintptr(i), uintptr(unsafe.Pointer(&f[0])))
		if err != nil {
			return nil, filterError(pid, i, err)
		}
		if m != n {
			return nil, fmt.Errorf("%w: pid %d: filter %d changed length (%d, then %d instructions)", ErrUncarriable, pid, i, n, m)
		}
		fs = append(fs, f)
	}
}

func filterError(pid, i int, err error) error {
	why := ""
	switch {
	case errors.Is(err, unix.EACCES):
		why = " (the kernel refuses it to a caller that runs under a seccomp filter itself)"
	case errors.Is(err, unix.EIO):
		why = " (a kernel without CONFIG_CHECKPOINT_RESTORE)"
	case errors.Is(err, unix.EMEDIUMTYPE):
		why = " (not a classic BPF filter)"
	}
	return fmt.Errorf("%w: ptrace(PTRACE_SECCOMP_GET_FILTER, %d, %d): %v%s", ErrUncarriable, pid, i, err, why)
}
