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
	_, err := Groups(&userdb.User{Name: "jailme-no-such-user", GID: 4000000123})
	want := `getgrgid_r(4000000123): no group entry (group of host user "jailme-no-such-user")`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
