//go:build cgo && (linux || freebsd)

package hostdb

import (
	"testing"

	"jailme.dev/jailme/internal/userdb"
)

// A one-byte first buffer forces the ERANGE retry for every lookup.
func TestERANGERetry(t *testing.T) {
	defer func(p, g int) { firstPwBuf, firstGrBuf = p, g }(firstPwBuf, firstGrBuf)
	firstPwBuf, firstGrBuf = 1, 1
	u, err := ByName("root")
	if err != nil || u.UID != 0 {
		t.Fatalf("got %+v, %v", u, err)
	}
	groups, err := Groups(u)
	if err != nil || groups[0].GID != 0 {
		t.Fatalf("got %+v, %v", groups, err)
	}
}

func TestGroupsUnknownGID(t *testing.T) {
	// Not an error: no rule can name it; gate refuses a jailed user for it.
	gs, err := Groups(&userdb.User{Name: "jailme-no-such-user", GID: 4000000123})
	if err != nil || len(gs) != 1 || gs[0].GID != 4000000123 || gs[0].Name != "" {
		t.Errorf("got %+v, %v; want the gid without a name", gs, err)
	}
}
