//go:build cgo && (linux || freebsd)

package hostdb

import (
	"reflect"
	"testing"
)

// getpwent_r must not skip the entry that did not fit: a one-byte first
// buffer retries every entry and must list exactly the same users.
func TestAllERANGERetry(t *testing.T) {
	want, err := All()
	if err != nil {
		t.Fatal(err)
	}
	defer func(p, g int) { firstPwBuf, firstGrBuf = p, g }(firstPwBuf, firstGrBuf)
	firstPwBuf, firstGrBuf = 1, 1
	got, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with ERANGE retries: %d users, want %d\n got %+v\nwant %+v", len(got), len(want), got, want)
	}
	g, err := GroupByName("root")
	if err != nil || g.GID != 0 {
		t.Errorf("GroupByName(root) with ERANGE retries = %+v, %v", g, err)
	}
}
