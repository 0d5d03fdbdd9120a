package hostdb

import (
	"errors"
	"testing"
)

func TestByUIDRoot(t *testing.T) {
	u, err := ByUID(0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "root" || u.UID != 0 || u.GID != 0 || u.Home == "" {
		t.Errorf("got %+v", u)
	}
}

func TestByNameRoot(t *testing.T) {
	u, err := ByName("root")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "root" || u.UID != 0 {
		t.Errorf("got %+v", u)
	}
}

func TestNotFound(t *testing.T) {
	for _, name := range []string{"jailme-no-such-user", "", "root\x00x"} {
		if u, err := ByName(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByName(%q) = %+v, %v; want ErrNotFound", name, u, err)
		}
	}
	if u, err := ByUID(4000000123); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByUID(4000000123) = %+v, %v; want ErrNotFound", u, err)
	}
}

func TestGroupsRoot(t *testing.T) {
	u, err := ByUID(0)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := Groups(u)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) == 0 || groups[0].GID != 0 || groups[0].Name == "" {
		t.Fatalf("got %+v, want gid 0 first", groups)
	}
	seen := map[uint32]bool{}
	for _, g := range groups {
		if seen[g.GID] || g.Name == "" || g.Members != nil {
			t.Errorf("bad group list %+v", groups)
		}
		seen[g.GID] = true
	}
}
