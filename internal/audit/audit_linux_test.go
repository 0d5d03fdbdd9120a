package audit

import (
	"os"
	"os/signal"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A signal that interrupts the send on a stalled /dev/log is not the
// syslog daemon's answer: with SO_SNDTIMEO the kernel fails the write with
// EINTR even under SA_RESTART, and the line was refused as "interrupted
// system call" (CI saw it once). The send goes on until its deadline.
func TestStalledSyslogSignalled(t *testing.T) {
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)
	for _, typ := range []int{unix.SOCK_DGRAM, unix.SOCK_STREAM} {
		stalled(t, typ)
		contract(t, true)
		tids, done := make(chan int, 1), make(chan error, 1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tids <- unix.Gettid()
			done <- Allow(Event{Prog: "jailsh", User: "bob", UID: uid(5)})
		}()
		tid := <-tids
		hang := time.After(30 * time.Second)
		var err error
	wait:
		for {
			select {
			case err = <-done:
				break wait
			case <-time.After(50 * time.Millisecond):
				unix.Tgkill(unix.Getpid(), tid, unix.SIGUSR1)
			case <-hang:
				t.Fatalf("type %d: Allow hangs on a stalled /dev/log", typ)
			}
		}
		if err == nil || !strings.Contains(err.Error(), "syslog daemon not reading") {
			t.Errorf("type %d, signalled while it waits: err = %v, want the daemon not reading", typ, err)
		}
	}
}
