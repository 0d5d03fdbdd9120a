package gate

import (
	"os"

	"jailme.dev/jailme/internal/directory"
	"jailme.dev/jailme/internal/identity"
	"jailme.dev/jailme/internal/userdb"
)

// CodeDirectory refuses a `users = directory` jail that does not share the
// host's directory.
const CodeDirectory Code = "directory"

// fromDirectory completes a `users = directory` jail's records with the
// host's: the jail resolves users from the same directory (verified here,
// from the jail's own files read by fd), so the host's NSS answer is the
// jail's too. Entries in the jail's files come first and must still agree
// (the identity check compares them as for any jail); the user and groups
// the files lack are the directory's. The user's shell from the directory
// is jailsh, which cannot run inside: it is left empty, so the jail's
// shell = or /bin/sh is the session's (sessionPolicy).
func fromDirectory(root *os.File, h identity.Host, db *userdb.JailDB) error {
	if err := directory.Verify(root); err != nil {
		return err
	}
	if db.User == nil {
		u := h.User
		db.User = &userdb.User{Name: u.Name, UID: u.UID, GID: u.GID, Gecos: u.Gecos, Home: u.Home}
	}
	for _, g := range h.Groups {
		db.Groups = append(db.Groups, userdb.Group{Name: g.Name, GID: g.GID, Members: []string{h.User.Name}})
	}
	return nil
}
