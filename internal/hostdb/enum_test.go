package hostdb

import (
	"errors"
	"testing"
)

func TestAllHasRoot(t *testing.T) {
	us, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Name == "root" && u.UID == 0 && u.GID == 0 {
			return
		}
	}
	t.Errorf("All() = %d users, none is root with uid 0", len(us))
}

func TestGroupByName(t *testing.T) {
	g, err := GroupByName("root")
	if err != nil || g.GID != 0 || g.Name != "root" {
		t.Fatalf("GroupByName(root) = %+v, %v", g, err)
	}
	for _, name := range []string{"jailme-no-such-group", "", "root\x00x"} {
		if g, err := GroupByName(name); !errors.Is(err, ErrNoGroup) {
			t.Errorf("GroupByName(%q) = %+v, %v; want ErrNoGroup", name, g, err)
		}
	}
}
