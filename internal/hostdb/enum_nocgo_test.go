//go:build !cgo || !(linux || freebsd)

package hostdb

import (
	"reflect"
	"testing"
)

func TestFilesEnum(t *testing.T) {
	hostFiles(t, "root:x:0:0::/root:/bin/sh\nalice:x:1000:100::/home/alice:/usr/local/sbin/jailsh\n",
		"wheel:x:10:alice\nusers:x:100:\nstaff:x:20:bob,alice\nstaff:x:21:carol\n")
	us, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].Name != "root" || us[1].Name != "alice" || us[1].Shell != "/usr/local/sbin/jailsh" {
		t.Errorf("All() = %+v", us)
	}
	g, err := GroupByName("staff")
	if err != nil || g.GID != 20 || !reflect.DeepEqual(g.Members, []string{"bob", "alice"}) {
		t.Errorf("GroupByName(staff) = %+v, %v", g, err)
	}
}
