package hostdb

import (
	"bytes"
	"slices"

	"jailme.dev/jailme/internal/userdb"
)

// localGroupFile is the host's own group file; tests point it elsewhere.
var localGroupFile = "/etc/group"

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
