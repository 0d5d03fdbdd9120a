package config

// Assign picks the rule for a host user with the given group names: the
// user's own rule wins wherever it sits in the file, else the first group
// rule in file order whose group the user has, else the default rule. It
// reports false when no rule applies; the caller then denies. A rule whose
// target is deny matches with no jails.
func (c *Config) Assign(user string, groups []string) (Assignment, bool) {
	if r, ok := c.UserRule(user); ok {
		return c.assignment(r)
	}
	member := make(map[string]bool, len(groups))
	for _, g := range groups {
		member[g] = true
	}
	if r, ok := c.find(func(r Rule) bool { return r.Kind == ByGroup && member[r.Subject] }); ok {
		return c.assignment(r)
	}
	if r, ok := c.find(func(r Rule) bool { return r.Kind == ByDefault }); ok {
		return c.assignment(r)
	}
	return Assignment{}, false
}

// UserRule is the user's own rule, if any: it decides whatever the
// user's groups are.
func (c *Config) UserRule(user string) (Rule, bool) {
	return c.find(func(r Rule) bool { return r.Kind == ByUser && r.Subject == user })
}

func (c *Config) find(match func(Rule) bool) (Rule, bool) {
	for _, r := range c.Rules {
		if match(r) {
			return r, true
		}
	}
	return Rule{}, false
}

// assignment fails closed: a rule naming a jail that is not there (a
// Config not made by Parse or Load) assigns nothing rather than deny-by-nil.
func (c *Config) assignment(r Rule) (Assignment, bool) {
	if r.Denies() {
		return Assignment{Rule: r}, true
	}
	if len(r.Targets) == 0 {
		return Assignment{}, false
	}
	a := Assignment{Rule: r}
	for _, t := range r.Targets {
		j, ok := c.Jails[t]
		if !ok || j == nil {
			return Assignment{}, false
		}
		a.Jails = append(a.Jails, j)
	}
	return a, true
}
