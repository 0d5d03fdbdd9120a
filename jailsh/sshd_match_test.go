package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 21: every Match criterion is evaluated for some connection, or
// the block is a finding.
func TestMatchClients(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sshd_config")
	conf := "Port 22\nMatch LocalPort 2292\n\tForceCommand internal-sftp\n" +
		"Match Address 10.1.2.0/24,192.0.2.7 Host build.example\n\tAllowTcpForwarding yes\n" +
		"Match Address 10.*\n\tX11Forwarding yes\n" +
		"Match Host !*.example\n\tPermitTunnel yes\n" +
		"Match Group=devs RDomain red\n\tX11Forwarding yes\n" +
		"Match Version 9\n"
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cs, fs := matchClients(matchBlocks(p, 0))
	var got []string
	for _, c := range cs {
		got = append(got, c.Host+"/"+c.Addr)
	}
	want := "localhost/127.0.0.1 localhost/10.1.2.0 localhost/192.0.2.7 build.example/127.0.0.1"
	if strings.Join(got, " ") != want {
		t.Errorf("clients %q, want %q", got, want)
	}
	var rules []string
	for _, f := range fs {
		rules = append(rules, f.Rule)
		if f.Code != "sshd-match" {
			t.Errorf("code %s", f.Code)
		}
	}
	if strings.Join(rules, " ") != p+":6 "+p+":8 "+p+":12" {
		t.Errorf("unevaluable blocks at %q", rules)
	}
	if c := (connSpec{User: "alice", Host: "localhost", Addr: "127.0.0.1", LAddr: "127.0.0.1", LPort: "2292"}); c.arg() != "user=alice,host=localhost,addr=127.0.0.1,laddr=127.0.0.1,lport=2292" {
		t.Errorf("arg %s", c.arg())
	}
}
