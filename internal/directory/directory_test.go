package directory

import (
	"io"
	"os"
	"strings"
	"testing"
)

// files is an opener over a map, for both sides.
func files(m map[string]string) opener {
	return func(name string) (io.ReadCloser, error) {
		s, ok := m[name]
		if !ok {
			return nil, os.ErrNotExist
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
}

const hostNS = "passwd: files ldap\ngroup:  files [SUCCESS=merge] ldap\n"

var hostLDAP = map[string]string{
	"nsswitch.conf": hostNS,
	"nslcd.conf":    "uid nslcd\nuri ldap://10.0.0.1/ ldaps://ldap2.example\nbase dc=example,dc=com\n",
}

func TestSame(t *testing.T) {
	h, err := read(files(hostLDAP), "", "host")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		jail map[string]string
		want string // "" for the same directory
	}{
		{"same", map[string]string{"nsswitch.conf": "passwd: ldap files\ngroup: ldap\n",
			"nslcd.conf": "# comment\nuri LDAPS://ldap2.example/\nuri ldap://10.0.0.1\nbase DC=example, DC=com\n"}, ""},
		{"other base", map[string]string{"nsswitch.conf": hostNS,
			"nslcd.conf": "uri ldap://10.0.0.1/ ldaps://ldap2.example\nbase dc=other,dc=com\n"},
			"jail /etc/nslcd.conf searches dc=other,dc=com, host /etc/nslcd.conf dc=example,dc=com"},
		{"other server", map[string]string{"nsswitch.conf": hostNS,
			"nslcd.conf": "uri ldap://10.0.0.9/\nbase dc=example,dc=com\n"}, "points at ldap://10.0.0.9"},
		{"a map base more", map[string]string{"nsswitch.conf": hostNS,
			"nslcd.conf": "uri ldap://10.0.0.1/ ldaps://ldap2.example\nbase dc=example,dc=com\nbase passwd ou=x,dc=example,dc=com\n"}, "searches"},
		{"files only", map[string]string{"nsswitch.conf": "passwd: files\ngroup: files ldap\n"},
			"jail /etc/nsswitch.conf: passwd does not use ldap (it says: files)"},
		{"ldap only in an action", map[string]string{"nsswitch.conf": "passwd: files [NOTFOUND=ldap]\ngroup: ldap\n"},
			"passwd does not use ldap"},
		{"group files only", map[string]string{"nsswitch.conf": "passwd: ldap\ngroup: files\n"}, "group does not use ldap"},
		{"no nslcd.conf", map[string]string{"nsswitch.conf": hostNS}, "file does not exist"},
		{"no base", map[string]string{"nsswitch.conf": hostNS, "nslcd.conf": "uri ldap://10.0.0.1/\n"}, "no search base"},
		{"no nsswitch", map[string]string{}, "jail /etc/nsswitch.conf"},
		{"sss instead", map[string]string{"nsswitch.conf": "passwd: sss\ngroup: sss\n"}, "passwd does not use ldap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := read(files(tc.jail), h.Source, "jail")
			if err == nil {
				err = Same(h, j)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want the same directory", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSSSD(t *testing.T) {
	conf := "[sssd]\ndomains = corp\nldap_uri = ldap://ignored\n[domain/corp]\nid_provider = ldap\n" +
		"ldap_uri = ldap://a.corp, ldap://b.corp\nldap_search_base = dc=corp\n"
	h, err := read(files(map[string]string{"nsswitch.conf": "passwd: files sss\ngroup: files sss\n", "sssd/sssd.conf": conf}), "", "host")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(h.URIs, " ") != "ldap://a.corp ldap://b.corp" || strings.Join(h.Bases, " ") != "dc=corp" {
		t.Fatalf("got %+v", h)
	}
	j, err := read(files(map[string]string{"nsswitch.conf": "passwd: sss\ngroup: sss\n",
		"sssd/sssd.conf": strings.Replace(conf, "dc=corp", "dc=lab", 1)}), "sss", "jail")
	if err != nil {
		t.Fatal(err)
	}
	if err := Same(h, j); err == nil || !strings.Contains(err.Error(), "searches dc=lab") {
		t.Fatalf("got %v", err)
	}
}

func TestHostWithoutDirectory(t *testing.T) {
	_, err := read(files(map[string]string{"nsswitch.conf": "passwd: files systemd\ngroup: files\n"}), "", "host")
	if err == nil || !strings.Contains(err.Error(), "passwd names no directory source") {
		t.Fatalf("got %v", err)
	}
}
