package main

import "syscall"

// syscall's setres*id apply to every thread of the process (a raw system
// call would change only the calling thread's credentials on Linux).
func setresgid(gid int) error { return syscall.Setresgid(gid, gid, gid) }
func setresuid(uid int) error { return syscall.Setresuid(uid, uid, uid) }
