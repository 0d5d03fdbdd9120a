package hostdb

import (
	"bytes"
	"slices"

	"jailme.dev/jailme/internal/userdb"
)

// The host's own account files; tests point them elsewhere.
var (
	localPasswdFile = "/etc/passwd"
	localGroupFile  = "/etc/group"
)

// FilesUser is the host's own /etc/passwd entry named name, read by our
// parser through a blocking fd, never through NSS; ok is false when there
// is none. It is what pam_jailme can still learn of a local account when
// the directory does not answer for the passwd entry itself (nsswitch
// "passwd: ldap files" asks the directory first): NSS, failing over to
// files, would give the host session this very entry.
func FilesUser(name string) (u userdb.User, ok bool, err error) {
	data, err := readSmall(localPasswdFile, userdb.MaxFileSize)
	if err != nil {
		return u, false, err
	}
	us, _, err := userdb.ParsePasswd(localPasswdFile, bytes.NewReader(data), func(p *userdb.User) bool {
		return p.Name == name
	})
	if err != nil || len(us) == 0 {
		return u, false, err
	}
	return us[0], true, nil
}

// FilesGroups is what the host's own /etc/group says of u's groups,
// read by our parser through a blocking fd, never through NSS: the
// entries whose gid is u's primary gid or that list u as a member. It is
// what pam_jailme can still learn when the directory does not answer
// (issue 21): whether a group rule could name one of u's local groups.
func FilesGroups(u userdb.User) ([]userdb.Group, error) {
	data, err := readSmall(localGroupFile, userdb.MaxFileSize)
	if err != nil {
		return nil, err
	}
	gs, _, err := userdb.ParseGroup(localGroupFile, bytes.NewReader(data), func(g *userdb.Group) bool {
		return g.GID == u.GID || slices.Contains(g.Members, u.Name)
	})
	return gs, err
}
