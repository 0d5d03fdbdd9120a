package main

import "os"

// selfExe is the running jailsh, as the kernel recorded its path
// (KERN_PROC_PATHNAME); jailsh lives in a root-owned directory.
func selfExe() string {
	p, err := os.Executable()
	if err != nil {
		return "/usr/local/sbin/jailsh"
	}
	return p
}
