package config

import (
	"os/exec"
	"strings"
	"testing"
)

// The manual sits beside the code and must stay clean. Cross references
// are checked against the manuals installed here (jailsh(8) before it is
// installed, jail(8) off FreeBSD), so only the messages about those
// depend on the machine and are let through.
func TestManualLint(t *testing.T) {
	mandoc, err := exec.LookPath("mandoc")
	if err != nil {
		t.Skip("mandoc not installed")
	}
	out, _ := exec.Command(mandoc, "-T", "lint", "../../etc/jailme.conf.5").CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.Contains(line, ": STYLE: referenced manual not found: ") ||
			strings.Contains(line, "outdated mandoc.db") {
			continue
		}
		t.Errorf("mandoc -T lint: %s", line)
	}
}
