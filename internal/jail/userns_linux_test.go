package jail

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/identity"
)

func TestParseIDMap(t *testing.T) {
	m, err := parseIDMap("uid_map", []byte("         0     100000       2001\n      2001       2001          1\n      2002     102002      63534\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := idMap{{0, 100000, 2001}, {2001, 2001, 1}, {2002, 102002, 63534}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %v, want %v", m, want)
	}
	for _, bad := range []string{"0 100000\n", "0 x 1\n", "0 1 4294967296\n", "-1 0 1\n"} {
		if _, err := parseIDMap("uid_map", []byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestToHost(t *testing.T) {
	m := idMap{{0, 100000, 2001}, {2001, 2001, 1}, {2002, 102002, 63534}, {4294967290, 10, 6}}
	for _, tc := range []struct {
		in, out uint32
		ok      bool
	}{
		{0, 100000, true}, {2000, 102000, true}, {2001, 2001, true}, {2002, 102002, true},
		{65535, 165535, true}, {65536, 0, false}, {4294967295, 15, true},
	} {
		out, ok := m.toHost(tc.in)
		if out != tc.out || ok != tc.ok {
			t.Errorf("toHost(%d) = %d, %v; want %d, %v", tc.in, out, ok, tc.out, tc.ok)
		}
	}
}

func TestHostCred(t *testing.T) {
	alice := identity.Cred{Name: "alice", UID: 2001, GID: 2001, Groups: []uint32{2001, 3001}}
	// A jail sharing the host's user namespace: the same ids.
	if h, err := (&Jail{}).HostCred(alice); err != nil || !reflect.DeepEqual(h, alice) {
		t.Fatalf("shared namespace: %v, %v", h, err)
	}
	u := &usernsState{uids: idMap{{0, 100000, 65536}}, gids: idMap{{0, 100000, 65536}}, uidText: "0 100000 65536\n", gidText: "0 100000 65536\n"}
	j := &Jail{pid: 42, userns: u}
	h, err := j.HostCred(alice)
	if err != nil || h.UID != 102001 || h.GID != 102001 || !reflect.DeepEqual(h.Groups, []uint32{102001, 103001}) || h.Name != "alice" {
		t.Fatalf("mapped: %+v, %v", h, err)
	}
	if alice.Groups[1] != 3001 {
		t.Fatal("HostCred changed its argument")
	}

	narrow := &Jail{pid: 42, userns: &usernsState{uids: idMap{{0, 200000, 2000}}, gids: idMap{{0, 200000, 65536}}, uidText: "0 200000 2000\n"}}
	if _, err := narrow.HostCred(alice); !errors.Is(err, ErrUnmapped) || !strings.Contains(err.Error(), "uid 2001 of alice is not mapped in the jail's user namespace (pid 42's uid_map: 0 200000 2000)") {
		t.Errorf("unmapped uid: %v", err)
	}
	nogroup := &Jail{pid: 42, userns: &usernsState{uids: u.uids, gids: idMap{{0, 100000, 3000}}, gidText: "0 100000 3000\n"}}
	if _, err := nogroup.HostCred(alice); !errors.Is(err, ErrUnmapped) || !strings.Contains(err.Error(), "group 3001 of alice is not mapped") {
		t.Errorf("unmapped group: %v", err)
	}
	denied := &Jail{pid: 42, userns: &usernsState{uids: u.uids, gids: u.gids, setgroupsDenied: true}}
	if _, err := denied.HostCred(alice); err == nil || !strings.Contains(err.Error(), "needs group 3001, but the jail's user namespace denies setgroups") {
		t.Errorf("setgroups deny: %v", err)
	}
	alone := identity.Cred{Name: "dave", UID: 2004, GID: 2004, Groups: []uint32{2004}}
	if _, err := denied.HostCred(alone); err != nil {
		t.Errorf("setgroups deny, primary group only: %v", err)
	}
	many := alice
	many.Groups = make([]uint32, maxGroups+1)
	if _, err := j.HostCred(many); err == nil {
		t.Error("more groups than the stage takes: no error")
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("         0     100000       2001\n      2001       2001          1\n"); got != "0 100000 2001; 2001 2001 1" {
		t.Errorf("got %q", got)
	}
}
