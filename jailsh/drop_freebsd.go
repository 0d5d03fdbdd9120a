package main

import "golang.org/x/sys/unix"

// FreeBSD's credentials are the process's, not a thread's.
func setresgid(gid int) error { return unix.Setresgid(gid, gid, gid) }
func setresuid(uid int) error { return unix.Setresuid(uid, uid, uid) }
