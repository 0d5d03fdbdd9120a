package main

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(2) constants from <sys/procctl.h>.
const (
	sysProcctl          = 544
	pPID                = 0
	procTraceCtl        = 7
	procTraceCtlDisable = 2
)

// noDump forbids tracing and core dumps of this process (procctl
// PROC_TRACE_CTL_DISABLE): setuid already sets P_SUGID, this makes it
// explicit and survives the credential changes that follow.
func noDump() error {
	data := int32(procTraceCtlDisable)
	_, _, e := unix.Syscall6(sysProcctl, pPID, 0, procTraceCtl, uintptr(unsafe.Pointer(&data)), 0, 0)
	if e != 0 {
		return fmt.Errorf("procctl(PROC_TRACE_CTL, DISABLE): %w", e)
	}
	return nil
}
