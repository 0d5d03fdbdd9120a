package jail

import (
	"fmt"
	"slices"
	"syscall"

	"jailme.dev/jailme/internal/identity"
)

// This file is the FreeBSD group-list logic that needs no system call, in a
// file without a build tag so that its tests run wherever the tests run
// (jail_freebsd.go makes the calls).

// groupsABI reads the answer of the probe setgroups(0, NULL) with FreeBSD
// 15's system call 596: ENOSYS means the kernel has no such call and takes
// the historical ABI (egid first); success, or a refusal of the call
// itself (EPERM when not root, a MAC policy's EPERM or EACCES), means it has
// it. Anything else is not an answer to the question, and we stop.
func groupsABI(errno syscall.Errno) (supplementaryOnly bool, err error) {
	switch errno {
	case 0, syscall.EPERM, syscall.EACCES:
		return true, nil
	case syscall.ENOSYS:
		return false, nil
	}
	return false, fmt.Errorf("probing setgroups (system call %d, FreeBSD 15) with (0, NULL): %w", sysSetgroups15, errno)
}

// sysSetgroups15 is FreeBSD 15's setgroups(2) system call number
// (sys/kern/syscalls.master); the probe calls it (sys_freebsd.go).
const sysSetgroups15 = 596

// groupList is the argument to setgroups(2) for c. FreeBSD 15's system
// call takes the supplementary groups only: c.Groups (which hold the
// primary group too, as initgroups(3) gives them). The historical one
// takes the effective gid first and the supplementary groups after it, as
// getgrouplist(3) lays them out for initgroups: the primary gid once, in
// front, not a second time among the others.
func groupList(c identity.Cred, supplementaryOnly bool) []uint32 {
	if supplementaryOnly {
		return slices.Clone(c.Groups)
	}
	list := []uint32{c.GID}
	for _, g := range c.Groups {
		if g != c.GID {
			list = append(list, g)
		}
	}
	return list
}

// sameGroups compares what getgroups(2) returned with c: the supplementary
// groups as a set, because since FreeBSD 14.3 the kernel keeps them sorted
// and without duplicates; before FreeBSD 15, after the effective gid, and
// then without it (groupList leaves it out; a kernel that kept it among
// the others grants nothing the egid does not).
func sameGroups(c identity.Cred, got []uint32, supplementaryOnly bool) error {
	want := slices.Clone(c.Groups)
	if !supplementaryOnly {
		if len(got) == 0 || got[0] != c.GID {
			return fmt.Errorf("getgroups returned %v, want gid %d first: refusing", got, c.GID)
		}
		got = slices.DeleteFunc(slices.Clone(got[1:]), func(g uint32) bool { return g == c.GID })
		want = slices.DeleteFunc(want, func(g uint32) bool { return g == c.GID })
	}
	have := slices.Compact(slices.Sorted(slices.Values(got)))
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	if !slices.Equal(have, want) {
		return fmt.Errorf("supplementary groups are %v after setgroups, want %v: refusing", have, want)
	}
	return nil
}
