// Command pam_jailme is the PAM session module: built with
// -buildmode=c-shared it becomes pam_jailme.so. At open_session it runs the
// check jailsh runs (package gate) and refuses a session that jailsh would
// refuse, before the host starts a shell, with the same words.
//
// The PAM entry points are C (glue.c). Only open_session and close_session
// reach Go, through the two exported functions below, and only in the
// process that loaded the module. Go code here must not write to stdout or
// stderr, install signal handlers (os/signal), start goroutines that
// outlive a call, or use log/syslog or net: the host process forks after
// this returns.
package main

/*
#cgo LDFLAGS: -lpam
#include <stdlib.h>
#include <syslog.h>
#include <security/pam_appl.h>
#include "glue.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"unsafe"

	"jailme.dev/jailme/internal/audit"
)

func main() {}

// The host's stderr is not ours: an audit line syslog does not take (no
// /dev/log, or a daemon not reading) is dropped, as pam_syslog(3) would
// drop it, unless log = required makes it a refusal (audit.Required).
//
// The collector does not pace itself in a host process (GOGC off): each
// call ends with a collection and hands every free page back (collect).
// Paced, it ran whenever a few hundred sessions' garbage had piled up;
// its background scavenger then had free pages to return and slept
// between batches on a runtime timer, and the first timer starts the
// netpoller: an epoll fd and an eventfd in sshd for good, and a thread
// (runtime/mgcscavenge.go bgscavenge, time.go addHeap; seen with strace
// -k). With every page returned at the end of each call, the scavenger
// finds nothing to do at the next collection and parks without a timer.
// One P: the calls are sequential, and fewer Ps need fewer threads
// (testSequential counts them over 1,000 sessions; with two Ps a seventh
// thread appeared in every run).
func init() {
	audit.Fallback = nil
	debug.SetGCPercent(-1)
	runtime.GOMAXPROCS(1)
}

// collect frees what the call allocated and returns the pages to the
// kernel, before control goes back to the host. It runs on a goroutine of
// its own, waited for (the one goroutine of the module, and it never
// outlives the call): on the host's thread, to which the call's goroutine
// is locked, each of the collector's yields handed the P to another
// thread and back, and in about one run in ten of 1,000 sessions the
// runtime started a thread more to take it.
func collect() {
	done := make(chan struct{})
	go func() {
		debug.FreeOSMemory()
		close(done)
	}()
	<-done
}

//export jm_go_open_session
func jm_go_open_session(pamh unsafe.Pointer, flags C.int, argc C.int, argv **C.char) C.int {
	defer collect()
	return C.int(openSession(cHandle{pamh}, int(flags), goArgs(argc, argv)))
}

//export jm_go_close_session
func jm_go_close_session(pamh unsafe.Pointer, flags C.int, argc C.int, argv **C.char) C.int {
	return C.int(closeSession(cHandle{pamh}, int(flags), goArgs(argc, argv)))
}

// goArgs copies the module arguments into Go strings; PAM owns argv.
func goArgs(argc C.int, argv **C.char) []string {
	if argc <= 0 || argv == nil {
		return nil
	}
	cs := unsafe.Slice(argv, int(argc))
	args := make([]string, 0, len(cs))
	for _, c := range cs {
		if c != nil {
			args = append(args, C.GoString(c))
		}
	}
	return args
}

// PAM and syslog constants the Go side needs, from the system headers.
const (
	pamSuccess     = int(C.PAM_SUCCESS)
	pamIgnore      = int(C.PAM_IGNORE)
	pamPermDenied  = int(C.PAM_PERM_DENIED)
	pamSessionErr  = int(C.PAM_SESSION_ERR)
	pamSilent      = int(C.PAM_SILENT)
	pamItemUser    = int(C.PAM_USER)
	pamItemService = int(C.PAM_SERVICE)
	pamItemRHost   = int(C.PAM_RHOST)
	logAuthpriv    = int(C.LOG_AUTHPRIV)
	logErr         = int(C.LOG_ERR)
	logWarning     = int(C.LOG_WARNING)
	logDebug       = int(C.LOG_DEBUG)
)

// cHandle is the PAM handle, reached only through the C helpers in glue.c.
type cHandle struct{ p unsafe.Pointer }

func (h cHandle) item(item int) (string, bool) {
	var s *C.char
	if C.jm_get_item(h.p, C.int(item), &s) != C.PAM_SUCCESS || s == nil {
		return "", false
	}
	return C.GoString(s), true
}

func (h cHandle) env(name string) (string, bool) {
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	var s *C.char
	if C.jm_getenv(h.p, c, &s) != C.PAM_SUCCESS || s == nil {
		return "", false
	}
	return C.GoString(s), true
}

func (h cHandle) message(msg string) {
	c := C.CString(msg)
	defer C.free(unsafe.Pointer(c))
	C.jm_conv_error(h.p, c)
}

// log writes msg as pam_syslog(3) words it, "ident[pid]:
// pam_jailme(service:session): msg", through audit.Raw: bounded by its
// send timeout, where pam_syslog's send blocks for as long as a stalled
// syslog daemon does not read.
func (h cHandle) log(prio int, msg string) {
	svc, _ := h.item(pamItemService)
	audit.Raw(logAuthpriv|prio, fmt.Sprintf("%s[%d]: pam_jailme(%s:session): %s",
		C.GoString(C.jm_progname()), os.Getpid(), svc, msg))
}
