package jail

import (
	"errors"
	"slices"
	"syscall"
	"testing"

	"jailme.dev/jailme/internal/identity"
)

func TestGroupsABI(t *testing.T) {
	for _, tc := range []struct {
		errno syscall.Errno
		only  bool
		err   bool
	}{
		{0, true, false},             // FreeBSD 15, as root
		{syscall.EPERM, true, false}, // FreeBSD 15, not root
		{syscall.EACCES, true, false},
		{syscall.ENOSYS, false, false}, // FreeBSD 14: nosys (SIGSYS ignored by Go)
		{syscall.EFAULT, false, true},
		{syscall.EINVAL, false, true},
	} {
		only, err := groupsABI(tc.errno)
		if only != tc.only || (err != nil) != tc.err {
			t.Errorf("groupsABI(%v) = %v, %v; want %v, error %v", tc.errno, only, err, tc.only, tc.err)
		}
		if err != nil && !errors.Is(err, tc.errno) {
			t.Errorf("groupsABI(%v): %v does not wrap the errno", tc.errno, err)
		}
	}
}

func TestGroupList(t *testing.T) {
	c := identity.Cred{UID: 2001, GID: 2001, Groups: []uint32{2001, 20, 5}}
	if got := groupList(c, true); !slices.Equal(got, c.Groups) || &got[0] == &c.Groups[0] {
		t.Errorf("FreeBSD 15: groupList = %v, want a copy of %v (supplementary groups only)", got, c.Groups)
	}
	// FreeBSD 14: the egid first, once, as getgrouplist(3) gives it to
	// initgroups; not a second time among the supplementary groups.
	got := groupList(c, false)
	if want := []uint32{2001, 20, 5}; !slices.Equal(got, want) {
		t.Fatalf("FreeBSD 14: groupList = %v, want %v (egid first, once)", got, want)
	}
	if &got[1] == &c.Groups[1] {
		t.Errorf("groupList aliases Cred.Groups")
	}
	if got := groupList(identity.Cred{GID: 7}, false); !slices.Equal(got, []uint32{7}) {
		t.Errorf("no supplementary groups: groupList = %v, want [7]", got)
	}
}

func TestSameGroups(t *testing.T) {
	c := identity.Cred{UID: 2001, GID: 2001, Groups: []uint32{2001, 20, 5}}
	for _, tc := range []struct {
		got []uint32
		ok  bool
	}{
		{[]uint32{2001, 20, 5}, true},       // what groupList sets
		{[]uint32{2001, 2001, 20, 5}, true}, // a kernel keeping the egid among the others
		{[]uint32{2001, 5, 20}, true},       // sorted by the kernel (14.3)
		{[]uint32{2001, 5, 20, 20}, true},
		{[]uint32{2001, 5}, false}, // a group missing
		{[]uint32{2001, 5, 20, 0}, false},
		{[]uint32{20, 2001, 5}, false}, // wrong egid
		{[]uint32{0, 2001, 20, 5}, false},
		{nil, false},
	} {
		err := sameGroups(c, tc.got, false)
		if (err == nil) != tc.ok {
			t.Errorf("sameGroups(%v) = %v, want ok=%v", tc.got, err, tc.ok)
		}
	}
	if err := sameGroups(identity.Cred{GID: 7}, []uint32{7}, false); err != nil {
		t.Errorf("no supplementary groups: %v", err)
	}
	// FreeBSD 15: supplementary groups only, no egid in front.
	for _, tc := range []struct {
		got []uint32
		ok  bool
	}{
		{[]uint32{5, 20, 2001}, true},
		{[]uint32{2001, 20, 5}, true},
		{[]uint32{5, 20}, false},
		{[]uint32{0, 5, 20, 2001}, false},
		{nil, false},
	} {
		if err := sameGroups(c, tc.got, true); (err == nil) != tc.ok {
			t.Errorf("FreeBSD 15: sameGroups(%v) = %v, want ok=%v", tc.got, err, tc.ok)
		}
	}
	if err := sameGroups(identity.Cred{GID: 7}, nil, true); err != nil {
		t.Errorf("FreeBSD 15, no supplementary groups: %v", err)
	}
}
