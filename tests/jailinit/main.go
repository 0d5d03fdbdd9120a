// Command jailinit is pid 1 of the suites' test jails. It does nothing but
// reap: a session's orphans are re-parented to it, and a zombie left in the
// jail would read as a leaked process. It exits on SIGTERM, which takes the
// whole pid namespace with it.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() {
	// -drop-ptrace: the init of a jail with a user namespace of its own,
	// which starts with a full bounding set, gives up CAP_SYS_PTRACE
	// as the suites' other jails do (setpriv --bounding-set).
	if len(os.Args) > 1 && os.Args[1] == "-drop-ptrace" {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, unix.CAP_SYS_PTRACE, 0, 0, 0); err != nil {
			os.Exit(1)
		}
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT)
	for sig := range sigs {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
