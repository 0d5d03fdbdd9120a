package directory

import (
	"io"
	"strings"
	"testing"
)

// The jail's nsswitch.conf, nslcd.conf and sssd.conf are written by the
// jail's root: any bytes must give an error or a Server, never a panic.
func FuzzRead(f *testing.F) {
	f.Add("passwd: files ldap\ngroup: ldap\n", "uri ldap://a/ ldap://b\nbase dc=x\nbase passwd ou=p, dc=x\n", "[domain/x]\nldap_uri = ldap://a\nldap_search_base = dc=x\n")
	f.Add("passwd: sss [NOTFOUND=return\ngroup: sss]\n", "base\nuri\n", "[domain/\nldap_uri=,,\n")
	f.Fuzz(func(t *testing.T, ns, nslcdConf, sssdConf string) {
		open := func(name string) (io.ReadCloser, error) {
			m := map[string]string{"nsswitch.conf": ns, "nslcd.conf": nslcdConf, "sssd/sssd.conf": sssdConf}
			return io.NopCloser(strings.NewReader(m[name])), nil
		}
		for _, want := range []string{"", "ldap", "sss"} {
			s, err := read(open, want, "jail")
			if err == nil && (len(s.URIs) == 0 || len(s.Bases) == 0) {
				t.Fatalf("accepted without a URI or base: %+v", s)
			}
		}
	})
}
