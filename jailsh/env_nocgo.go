//go:build !cgo

package main

// Without cgo there is no constructor: the Go runtime has read the caller's
// GODEBUG, GOGC and the like before main. Only the session's environment
// is reduced (buildEnv). Build jailsh with cgo (the default) where it runs
// setuid.
func keepNames() []string { return nocgoKeepEnv }

func envReduced() bool { return false }
