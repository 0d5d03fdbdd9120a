package jail

// Jails with a user namespace of their own (LXC/Incus with lxc.idmap,
// podman --userns, runc and crun bundles with a userns, nspawn -U): the ids
// in the jail's passwd and group are the ids inside, and the kernel maps
// them to other host ids (uid 2001 inside is 102001 on the host under
// "0 100000 65536"). The identity check compares the host user with the
// jail's files as for any jail (same name, same ids); the maps decide which
// host ids the session then runs as, and an id they leave out cannot be
// used at all.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/identity"
)

// ErrUnmapped means an id the session needs has no host id in the jail's
// user namespace.
var ErrUnmapped = errors.New("not mapped in the jail's user namespace")

// extent is one line of /proc/PID/uid_map or gid_map: inside, outside as
// seen from our namespace (the host's), count.
type extent struct{ inside, outside, count uint32 }

type idMap []extent

// usernsState is what Locate read about the jail's user namespace.
type usernsState struct {
	fd               int // the namespace, for the stage's setns
	uids, gids       idMap
	uidText, gidText string // as read, for messages
	setgroupsDenied  bool
}

// parseIDMap reads uid_map/gid_map: at most 340 lines (the kernel's limit)
// of three numbers.
func parseIDMap(name string, data []byte) (idMap, error) {
	var m idMap
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || i >= 340 {
			return nil, fmt.Errorf("%s:%d: %q is not an id map line", name, i+1, line)
		}
		var v [3]uint32
		for k := range f {
			n, err := strconv.ParseUint(f[k], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %q: %w", name, i+1, line, err)
			}
			v[k] = uint32(n)
		}
		m = append(m, extent{v[0], v[1], v[2]})
	}
	return m, nil
}

// toHost maps an id inside to the host's, as the kernel's make_kuid does.
func (m idMap) toHost(id uint32) (uint32, bool) {
	for _, e := range m {
		if id >= e.inside && uint64(id) < uint64(e.inside)+uint64(e.count) {
			return e.outside + (id - e.inside), true
		}
	}
	return 0, false
}

// oneLine is a map for a message: its lines joined by "; ".
func oneLine(s string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "; ")
}

// HostCred is c as the host sees it: the same ids for a jail that shares
// the host's user namespace; for one with its own, the host ids its maps
// give them. Every id must be mapped, and a namespace whose setgroups is
// denied cannot take supplementary groups: no process of that jail could
// hold them.
func (j *Jail) HostCred(c identity.Cred) (identity.Cred, error) {
	u := j.userns
	if u == nil {
		return c, nil
	}
	h := c
	var ok bool
	if h.UID, ok = u.uids.toHost(c.UID); !ok {
		return c, fmt.Errorf("uid %d of %s is %w (pid %d's uid_map: %s)", c.UID, c.Name, ErrUnmapped, j.pid, oneLine(u.uidText))
	}
	if h.GID, ok = u.gids.toHost(c.GID); !ok {
		return c, fmt.Errorf("gid %d of %s is %w (pid %d's gid_map: %s)", c.GID, c.Name, ErrUnmapped, j.pid, oneLine(u.gidText))
	}
	if len(c.Groups) > maxGroups {
		return c, fmt.Errorf("%s has %d groups: a jail with its own user namespace takes at most %d", c.Name, len(c.Groups), maxGroups)
	}
	h.Groups = make([]uint32, len(c.Groups))
	for i, g := range c.Groups {
		if h.Groups[i], ok = u.gids.toHost(g); !ok {
			return c, fmt.Errorf("group %d of %s is %w (pid %d's gid_map: %s)", g, c.Name, ErrUnmapped, j.pid, oneLine(u.gidText))
		}
		if u.setgroupsDenied && g != c.GID {
			return c, fmt.Errorf("%s needs group %d, but the jail's user namespace denies setgroups (/proc/%d/setgroups): %w", c.Name, g, j.pid, ErrUnmapped)
		}
	}
	return h, nil
}

// OwnUserNS says whether the jail has a user namespace of its own.
func (j *Jail) OwnUserNS() bool { return j.userns != nil }

// openUserNS opens the init's user namespace and reads its maps, after
// proveInit: the pidfd check that follows in pin covers them too.
func openUserNS(procfd int, dir string) (*usernsState, error) {
	u := &usernsState{fd: -1}
	uids, err := readAt(procfd, "uid_map")
	if err != nil {
		return nil, fmt.Errorf("read %s/uid_map: %w", dir, err)
	}
	gids, err := readAt(procfd, "gid_map")
	if err != nil {
		return nil, fmt.Errorf("read %s/gid_map: %w", dir, err)
	}
	sg, err := readAt(procfd, "setgroups")
	if err != nil {
		return nil, fmt.Errorf("read %s/setgroups: %w", dir, err)
	}
	u.uidText, u.gidText = string(uids), string(gids)
	if u.uids, err = parseIDMap(dir+"/uid_map", uids); err != nil {
		return nil, err
	}
	if u.gids, err = parseIDMap(dir+"/gid_map", gids); err != nil {
		return nil, err
	}
	u.setgroupsDenied = strings.TrimSpace(string(sg)) == "deny"
	fd, err := unix.Openat(procfd, "ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s/ns/user: %w", dir, err)
	}
	u.fd = fd
	return u, nil
}
