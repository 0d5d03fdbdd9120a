// Package config reads /etc/jailme.conf: which jail a host user lands in.
//
// The configuration is the authority for a setuid-root program, so it is
// trusted only when it and every directory above it are owned by root and
// writable by nobody else (perm.go). The grammar lives in parse.go, the
// choice of a rule for a user in assign.go.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// GroupPolicy says how a user's host groups must match the jail's groups.
type GroupPolicy int

const (
	// Strict: host and jail group lists must be equal.
	Strict GroupPolicy = iota
	// Subset: the jail may lack host groups, but may never grant extra ones.
	Subset
)

func (g GroupPolicy) String() string {
	switch g {
	case Strict:
		return "strict"
	case Subset:
		return "subset"
	}
	return fmt.Sprintf("GroupPolicy(%d)", int(g))
}

// Pos is a place in a configuration file; Line and Col count from 1,
// Col in bytes.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Jail is one `jail NAME { ... }` block. At most one of Pidfile, Machine,
// Docker, Podman, OCI, LXC, Containerd, Path and JID is set; none set means the FreeBSD
// jail called Name.
type Jail struct {
	Name        string
	Pidfile     string // Linux: pidfile holding the pid of the jail's init
	Machine     string // Linux: systemd-nspawn machine
	Docker      string // Linux: docker container name
	Podman      string // Linux: podman container name
	OCI         string // Linux: runc or crun container id
	OCIRoot     string // Linux: the runtime's --root for OCI ("": /run/runc, then /run/crun)
	LXC         string // Linux: LXC container (its cgroup lxc.payload.NAME, or the start-host hook's pidfile)
	Containerd  string // Linux: containerd "NAMESPACE/ID" (namespace "default" if none was given)
	Path        string // Linux: plain chroot directory (no namespaces)
	JID         int    // FreeBSD: jid = N (0: by name)
	Groups      GroupPolicy
	AllowRoot   bool
	AllowSetuid bool   // Linux: skip no_new_privs
	Shell       string // overrides the jail passwd shell (absolute, inside the jail)
	Users       UserSource
	Seccomp     SeccompPolicy // Linux: the init's filters (default) or none
	Pos         Pos
}

// SeccompPolicy is a Linux jail's seccomp =: what filter its sessions run
// under.
type SeccompPolicy int

const (
	// SeccompInit: the filters of the jail's init, copied; a jail whose
	// filters cannot be carried is refused.
	SeccompInit SeccompPolicy = iota
	// SeccompNone: the admin's explicit opt-out: sessions run without the
	// init's filter and nothing is copied.
	SeccompNone
)

func (s SeccompPolicy) String() string {
	if s == SeccompNone {
		return "none"
	}
	return "init"
}

// UserSource is where a jail's users come from (users =).
type UserSource int

const (
	// FilesUsers: the jail's own /etc/passwd and /etc/group.
	FilesUsers UserSource = iota
	// DirectoryUsers: the same directory as the host's (package
	// directory verifies it); the jail's files, where they have the user,
	// must agree.
	DirectoryUsers
)

// RuleKind is the kind of an assignment rule.
type RuleKind int

const (
	ByUser RuleKind = iota
	ByGroup
	ByDefault
)

func (k RuleKind) String() string {
	switch k {
	case ByUser:
		return "user"
	case ByGroup:
		return "group"
	case ByDefault:
		return "default"
	}
	return fmt.Sprintf("RuleKind(%d)", int(k))
}

// deny is the reserved rule target that refuses the login.
const deny = "deny"

// Rule is one `user`, `group` or `default` line.
type Rule struct {
	Kind    RuleKind
	Subject string   // user or group name; "" for default
	Targets []string // jail names, the first the default one; or just "deny"
	Pos     Pos
}

// Denies reports whether the rule refuses the login.
func (r Rule) Denies() bool { return len(r.Targets) == 1 && r.Targets[0] == deny }

// Jails reports whether the rule names its subject and assigns jails: the
// users it matches are jailed users, whatever their login shell (a default
// rule names nobody; a deny rule assigns nothing).
func (r Rule) Jails() bool { return r.Kind != ByDefault && !r.Denies() }

// String is the rule as written in the config.
func (r Rule) String() string {
	if r.Kind == ByDefault {
		return "default " + strings.Join(r.Targets, " ")
	}
	return fmt.Sprintf("%s %s %s", r.Kind, r.Subject, strings.Join(r.Targets, " "))
}

// Assignment is the rule that matched and the jails it names, in the
// rule's order: Jails[0] is entered when the user selects none.
type Assignment struct {
	Rule  Rule
	Jails []*Jail // empty when the rule denies
}

// Config is a parsed configuration, includes expanded in place.
type Config struct {
	File  string
	Rules []Rule // in file order (after includes), all kinds
	Jails map[string]*Jail
	Order []string // jail names in definition order
	// LogRequired: "log required": a session whose allow line cannot be
	// logged is refused. Default optional.
	LogRequired bool
	// LookupTimeout is lookup_timeout: the deadline on the host's name
	// service; 0 when the file sets none (HostLookupTimeout).
	LookupTimeout time.Duration
	// HostGroups are host_groups: groups besides DefaultHostGroup that
	// stay on the host (HostOnly).
	HostGroups []string
}

// DefaultLookupTimeout is the deadline on host lookups without
// lookup_timeout.
const DefaultLookupTimeout = 5 * time.Second

// HostLookupTimeout is the deadline on host lookups: lookup_timeout, or
// the default, also when there is no usable configuration (c nil).
func (c *Config) HostLookupTimeout() time.Duration {
	if c == nil || c.LookupTimeout <= 0 {
		return DefaultLookupTimeout
	}
	return c.LookupTimeout
}

// maxIncludeDepth bounds nested .include directives (and include loops).
const maxIncludeDepth = 8

// Depth alone lets a few files fan out: 8 levels of 5 includes each are
// 390,625 files, read at every login (8 to 11 s for root's, issue 21).
// So the files included and the bytes read are bounded in all.
const (
	maxIncludedFiles = 128
	maxConfigBytes   = 4 << 20
)

// Load reads the configuration at path and the files it includes, each
// only after CheckOwnership accepts it.
func Load(path string) (*Config, error) {
	b := newBuilder(path)
	b.include = b.loadInclude
	if err := b.loadFile(path, 0); err != nil {
		return nil, err
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return b.cfg, nil
}

// Parse parses one configuration file held in data. It touches no file
// system, so .include is an error here.
func Parse(file string, data []byte) (*Config, error) {
	b := newBuilder(file)
	if err := b.parse(file, data, 0); err != nil {
		return nil, err
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return b.cfg, nil
}

func (b *builder) loadFile(path string, depth int) error {
	data, err := checkAndRead(path)
	if err != nil {
		return err
	}
	return b.parse(path, data, depth)
}

func checkAndRead(path string) ([]byte, error) {
	if err := CheckOwnership(path); err != nil {
		return nil, err
	}
	return readConfig(path)
}

// includeFile reads one included file. Errors in its text name its own
// file:line:col; errors reaching it name the .include line too.
func (b *builder) includeFile(pos Pos, path string, depth int) error {
	if b.included++; b.included > maxIncludedFiles {
		return fmt.Errorf("%s: include %s: more than %d files included in all: every login reads them", pos, path, maxIncludedFiles)
	}
	data, err := checkAndRead(path)
	if err != nil {
		return fmt.Errorf("%s: include: %w", pos, err)
	}
	if b.read += len(data); b.read > maxConfigBytes {
		return fmt.Errorf("%s: include %s: more than %d bytes of configuration in all: every login reads them", pos, path, maxConfigBytes)
	}
	return b.parse(path, data, depth)
}

// loadInclude expands `.include PATTERN` found at pos in a file at depth.
// Wildcards are allowed in the last component only, so that the one
// directory holding the drop-ins can be checked even when it matches
// nothing: whoever can empty it can delete a deny rule.
func (b *builder) loadInclude(pos Pos, pattern string, depth int) error {
	if depth+1 > maxIncludeDepth {
		return fmt.Errorf("%s: includes nested more than %d deep", pos, maxIncludeDepth)
	}
	if !filepath.IsAbs(pattern) {
		return fmt.Errorf("%s: include path %q is not absolute", pos, pattern)
	}
	dir, base := filepath.Split(filepath.Clean(pattern))
	if base == "" {
		return fmt.Errorf("%s: include %q names no file", pos, pattern)
	}
	if strings.ContainsAny(dir, `*?[\`) {
		return fmt.Errorf("%s: include %q: wildcards are allowed in the last component only", pos, pattern)
	}
	if _, err := filepath.Match(base, ""); err != nil {
		return fmt.Errorf("%s: include %q: %w", pos, pattern, err)
	}
	if err := checkDirsMissingOK(filepath.Clean(dir)); err != nil {
		return fmt.Errorf("%s: include %q: %w", pos, pattern, err)
	}
	if !strings.ContainsAny(base, `*?[`) {
		// A literal path names one file; it must exist.
		return b.includeFile(pos, filepath.Join(dir, base), depth+1)
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("%s: include %q: %w", pos, pattern, err)
	}
	// os.ReadDir sorts by name: drop-ins apply in lexical order.
	for _, e := range ents {
		name := e.Name()
		if name[0] == '.' && base[0] != '.' {
			continue // like sh(1): * does not match dot files
		}
		if ok, _ := filepath.Match(base, name); !ok {
			continue
		}
		if err := b.includeFile(pos, filepath.Join(dir, name), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// validate runs once everything, includes too, has been parsed: rules may
// name jails defined further down or in another file.
func (b *builder) validate() error {
	for _, r := range b.cfg.Rules {
		if r.Denies() {
			continue
		}
		for _, t := range r.Targets {
			if _, ok := b.cfg.Jails[t]; !ok {
				return fmt.Errorf("%s: %s rule names undefined jail %q", r.Pos, r.Kind, t)
			}
		}
	}
	return nil
}
