package config

import "slices"

// DefaultHostGroup is the group the sshd drop-in matches (Match Group
// jailme): it says how sshd treats a user on the host, and its gid is
// allocated per host, so in a jail the same gid may be another group.
const DefaultHostGroup = "jailme"

// HostOnly reports whether the host group name stays on the host: it is
// neither demanded by groups = strict nor carried into a session, and
// enroll does not copy it into jails. The one list both the identity
// check and enroll use.
func (c *Config) HostOnly(name string) bool {
	return name == DefaultHostGroup || c != nil && slices.Contains(c.HostGroups, name)
}

// HostOnlyGroups is DefaultHostGroup and host_groups, for printing.
func (c *Config) HostOnlyGroups() []string {
	gs := []string{DefaultHostGroup}
	if c != nil {
		for _, g := range c.HostGroups {
			if g != DefaultHostGroup {
				gs = append(gs, g)
			}
		}
	}
	return gs
}
