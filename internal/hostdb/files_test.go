package hostdb

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFilesUser(t *testing.T) {
	p := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(p, []byte("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { localPasswdFile = old }(localPasswdFile)
	localPasswdFile = p
	u, ok, err := FilesUser("root")
	if err != nil || !ok || u.UID != 0 || u.Shell != "/bin/bash" {
		t.Fatalf("root: %+v %v %v", u, ok, err)
	}
	if _, ok, err := FilesUser("bob"); ok || err != nil {
		t.Fatalf("bob: %v %v", ok, err)
	}
}
