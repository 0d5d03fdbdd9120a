package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 21: includes that fan out are bounded in all, not only in depth:
// 5 drop-ins each including the directory again would be 390,625 files
// at depth 8, read at every login.
func TestLoadIncludeFanOut(t *testing.T) {
	root := tree(t)
	etc := filepath.Join(root, "etc")
	conf := filepath.Join(etc, "jailme.conf")
	// Three levels of 5: 155 files, well inside the depth bound.
	level := func(n int) string { return filepath.Join(etc, fmt.Sprintf("l%d.d", n)) }
	for n := 1; n <= 3; n++ {
		mkdir(t, level(n), 0o755)
		for i := range 5 {
			text := ""
			if n < 3 {
				text = ".include \"" + level(n+1) + "/*.conf\"\n"
			}
			writeFile(t, filepath.Join(level(n), fmt.Sprintf("%d.conf", i)), text, 0o644)
		}
	}
	writeFile(t, conf, ".include \""+level(1)+"/*.conf\"\ndefault deny\n", 0o644)
	_, err := Load(conf)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d files included in all", maxIncludedFiles)) {
		t.Fatalf("got %v", err)
	}

	// Many small files are fine up to the bound.
	d2 := filepath.Join(etc, "flat.d")
	mkdir(t, d2, 0o755)
	for i := range maxIncludedFiles {
		writeFile(t, filepath.Join(d2, fmt.Sprintf("%03d.conf", i)), fmt.Sprintf("user u%d deny\n", i), 0o644)
	}
	writeFile(t, conf, ".include \""+d2+"/*.conf\"\ndefault deny\n", 0o644)
	if c, err := Load(conf); err != nil || len(c.Rules) != maxIncludedFiles+1 {
		t.Fatalf("flat: %v", err)
	}
	writeFile(t, filepath.Join(d2, "999.conf"), "user one-too-many deny\n", 0o644)
	if _, err := Load(conf); err == nil || !strings.Contains(err.Error(), "999.conf: more than") {
		t.Fatalf("flat+1: %v", err)
	}
}
