package main

// What sshd grants a jailed user without running the login shell (issue
// 17): forwarding of every kind and tunnels act on the host's network,
// internal-sftp serves the host's files. jailsh never sees those requests,
// so the admin forms ask sshd itself, as sshd -T -C does for a connection,
// and report every setting that opens such a path.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	sshdPath    = "/usr/sbin/sshd"
	sshdGroup   = "jailme" // the group the shipped drop-in restricts
	sshdDropIn  = "/etc/ssh/sshd_config.d/jailme.conf"
	sshdTimeout = 10 * time.Second
)

// errNoSSHD means there is no sshd to ask: nothing to check, said once.
var errNoSSHD = errors.New("no " + sshdPath)

// sshdSettings is sshd's effective configuration for a connection by
// user from the loopback address, one entry per keyword (lower case), as
// sshd -T prints it.
func sshdSettings(user string) (map[string][]string, error) {
	return sshdSettingsFor(connSpec{User: user, Host: "localhost", Addr: "127.0.0.1"})
}

// connSpec is one connection as sshd -T -C describes it: who, from where,
// to which of sshd's listeners. Every Match criterion sshd has is one of
// its fields (Group is sshd's own lookup of User).
type connSpec struct{ User, Host, Addr, LAddr, LPort, RDomain string }

func (c connSpec) arg() string {
	s := "user=" + c.User + ",host=" + c.Host + ",addr=" + c.Addr
	if c.LAddr != "" {
		s += ",laddr=" + c.LAddr + ",lport=" + c.LPort
	}
	if c.RDomain != "" {
		s += ",rdomain=" + c.RDomain
	}
	return s
}

// where names the listener and the client, for a finding.
func (c connSpec) where() string {
	s := "from " + c.Addr
	if c.Host != "localhost" {
		s = "from " + c.Host
	}
	if c.LAddr != "" {
		s += " on " + net.JoinHostPort(c.LAddr, c.LPort)
	}
	return s
}

// sshdSettingsFor runs sshd -T -C for c with an empty environment.
func sshdSettingsFor(c connSpec) (map[string][]string, error) {
	out, err := runSSHDT("-T", "-C", c.arg())
	if err != nil {
		return nil, fmt.Errorf("sshd -T -C %s: %w", c.arg(), err)
	}
	return parseSSHDT(out), nil
}

func runSSHDT(args ...string) ([]byte, error) {
	if _, err := os.Stat(sshdPath); err != nil {
		return nil, errNoSSHD
	}
	ctx, cancel := context.WithTimeout(context.Background(), sshdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sshdPath, args...)
	cmd.Env = []string{}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// sshdListeners are the addresses and ports the running configuration
// listens on (sshd -T's listenaddress lines), as templates for connSpec.
func sshdListeners() ([]connSpec, error) {
	// Any connection will do (listeners are global), but one with every
	// field: sshd -T refuses a config with Match LocalPort otherwise.
	out, err := runSSHDT("-T", "-C", connSpec{User: "root", Host: "localhost", Addr: "127.0.0.1", LAddr: "127.0.0.1", LPort: "22"}.arg())
	if err != nil {
		return nil, fmt.Errorf("sshd -T: %w", err)
	}
	var ls []connSpec
	for _, v := range parseSSHDT(out)["listenaddress"] {
		f := strings.Fields(v)
		host, port, err := net.SplitHostPort(f[0])
		if err != nil {
			return nil, fmt.Errorf("sshd -T: listenaddress %q: %v", v, err)
		}
		l := connSpec{LAddr: host, LPort: port}
		if len(f) == 3 && f[1] == "rdomain" {
			l.RDomain = f[2]
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func parseSSHDT(b []byte) map[string][]string {
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if k != "" {
			m[strings.ToLower(k)] = append(m[strings.ToLower(k)], v)
		}
	}
	return m
}

// sshdHole is one sshd setting that takes a jailed user around the jail.
type sshdHole struct {
	Code    string // sshd-forwarding, sshd-tunnel, sshd-sftp
	Setting string // as sshd -T prints it
	What    string
}

// sshdHoles lists what the settings let a jailed user do outside the jail.
func sshdHoles(s map[string][]string) []sshdHole {
	first := func(k string) string {
		if v := s[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var hs []sshdHole
	if first("disableforwarding") != "yes" {
		for _, f := range []struct{ key, what string }{
			{"allowtcpforwarding", "forward TCP connections from the host's network (ssh -L/-R/-D)"},
			{"allowstreamlocalforwarding", "forward Unix sockets of the host (ssh -L/-R with paths)"},
			{"allowagentforwarding", "forward an ssh agent to a socket on the host"},
			{"x11forwarding", "forward X11 through a listener on the host"},
		} {
			if v := first(f.key); v != "" && v != "no" {
				hs = append(hs, sshdHole{"sshd-forwarding", f.key + " " + v, f.what})
			}
		}
	}
	if v := first("permittunnel"); v != "" && v != "no" {
		hs = append(hs, sshdHole{"sshd-tunnel", "permittunnel " + v, "open tun/tap tunnels on the host"})
	}
	for _, v := range s["subsystem"] {
		if name, cmd, _ := strings.Cut(v, " "); isInternalSFTP(cmd) {
			hs = append(hs, sshdHole{"sshd-sftp", "subsystem " + name + " " + cmd, "read and write the host's files with internal-sftp"})
		}
	}
	if v := first("forcecommand"); isInternalSFTP(v) {
		hs = append(hs, sshdHole{"sshd-sftp", "forcecommand " + v, "read and write the host's files with internal-sftp"})
	}
	return hs
}

func isInternalSFTP(cmd string) bool {
	return cmd == "internal-sftp" || strings.HasPrefix(cmd, "internal-sftp ")
}

// sshdAudit asks sshd once per jailed user, or, when no Match block of the
// host's sshd configuration names users (only groups, addresses...), once
// per distinct set of groups: with 2,000 directory users, one sshd -T each
// would cost about a minute. Each is asked for every listener of the
// running configuration (LocalAddress, LocalPort, RDomain) and for every
// client a Match Address or Host block names (issue 21: a Match LocalPort
// block with ForceCommand internal-sftp went unseen).
type sshdAudit struct {
	byGroups bool
	cache    map[string][]sshdHole
	specs    []connSpec // listener × client, User left empty
	// blocks are the Match blocks the connections cannot reach: findings.
	blocks []finding
}

func newSSHDAudit() (*sshdAudit, error) {
	a := &sshdAudit{cache: map[string][]sshdHole{}}
	ms := matchBlocks(sshdConfig, 0)
	a.byGroups = !matchesUsers(ms)
	listeners, err := sshdListeners()
	if err != nil {
		return nil, err
	}
	clients, blocks := matchClients(ms)
	a.blocks = blocks
	for _, l := range listeners {
		for _, c := range clients {
			c.LAddr, c.LPort, c.RDomain = l.LAddr, l.LPort, l.RDomain
			a.specs = append(a.specs, c)
		}
	}
	return a, nil
}

// sshdConfig is the host's sshd configuration; tests point it elsewhere.
var sshdConfig = "/etc/ssh/sshd_config"

// matchBlock is one Match line: its criteria (lower case) and patterns.
type matchBlock struct {
	Pos      string
	Criteria [][2]string
}

func (m matchBlock) names(criterion string) bool {
	return slices.ContainsFunc(m.Criteria, func(c [2]string) bool { return c[0] == criterion })
}

// matchesUsers reports whether a block's settings depend on the user's
// name, not only on the groups (or a file could not be read: ask per user).
func matchesUsers(ms []matchBlock) bool {
	return slices.ContainsFunc(ms, func(m matchBlock) bool { return m.names("user") || m.names("unreadable") })
}

// matchBlocks lists the Match lines of file and the files it includes.
// An unreadable file is a block that cannot be evaluated.
func matchBlocks(file string, depth int) []matchBlock {
	data, err := os.ReadFile(file)
	if err != nil || depth > 8 {
		return []matchBlock{{Pos: file, Criteria: [][2]string{{"unreadable", fmt.Sprint(err)}}}}
	}
	var ms []matchBlock
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(strings.ReplaceAll(sc.Text(), "=", " "))
		if len(f) == 0 {
			continue
		}
		switch strings.ToLower(f[0]) {
		case "match":
			m := matchBlock{Pos: fmt.Sprintf("%s:%d", file, n)}
			for i := 1; i < len(f); i++ {
				k := strings.ToLower(f[i])
				if k == "all" || i+1 == len(f) {
					m.Criteria = append(m.Criteria, [2]string{k, ""})
					continue
				}
				m.Criteria = append(m.Criteria, [2]string{k, f[i+1]})
				i++
			}
			ms = append(ms, m)
		case "include":
			for _, pat := range f[1:] {
				if !strings.HasPrefix(pat, "/") {
					pat = "/etc/ssh/" + pat
				}
				names, _ := filepath.Glob(pat)
				for _, name := range names {
					ms = append(ms, matchBlocks(name, depth+1)...)
				}
			}
		}
	}
	return ms
}

// matchClients are the clients to evaluate every listener for: the
// loopback, and each literal address or host name a Match Address or Host
// block names. A block sshd -T -C cannot be shown to cover — a wildcard or
// negated client pattern, a criterion this audit does not know — is a
// finding: its settings are not checked.
func matchClients(ms []matchBlock) ([]connSpec, []finding) {
	clients := []connSpec{{Host: "localhost", Addr: "127.0.0.1"}}
	var fs []finding
	for _, m := range ms {
		for _, c := range m.Criteria {
			var add []connSpec
			ok := true
			switch c[0] {
			case "all", "user", "group", "localaddress", "localport", "rdomain":
				continue // evaluated by sshd for each user and listener
			case "address":
				for _, p := range strings.Split(c[1], ",") {
					a, ok1 := literalAddr(p)
					ok = ok && ok1
					add = append(add, connSpec{Host: "localhost", Addr: a})
				}
			case "host":
				for _, p := range strings.Split(c[1], ",") {
					ok = ok && p != "" && !strings.ContainsAny(p, "*?!")
					add = append(add, connSpec{Host: p, Addr: "127.0.0.1"})
				}
			default:
				ok = false
			}
			if !ok {
				fs = append(fs, finding{Kind: kindSSHD, Code: "sshd-match", Rule: m.Pos,
					Reason: fmt.Sprintf("Match %s %s cannot be evaluated for every connection (a wildcard, a negation or an unknown criterion): the settings of this block are not checked", c[0], c[1])})
				continue
			}
			for _, a := range add {
				if !slices.Contains(clients, a) {
					clients = append(clients, a)
				}
			}
		}
	}
	return clients, fs
}

// literalAddr is an address a Match Address pattern matches: the pattern
// itself, or a CIDR block's network address; ok is false for a pattern
// that is neither.
func literalAddr(p string) (string, bool) {
	if ip := net.ParseIP(p); ip != nil {
		return ip.String(), true
	}
	if ip, _, err := net.ParseCIDR(p); err == nil {
		return ip.String(), true
	}
	return "", false
}

// findings are the audit findings for one jailed user: every hole of every
// connection, each named once with the first connection that has it.
func (a *sshdAudit) findings(user string, uid uint32, groups []string) ([]finding, error) {
	key := user
	if a.byGroups {
		gs := slices.Clone(groups)
		slices.Sort(gs)
		key = "groups:" + strings.Join(gs, ",")
	}
	var fs []finding
	_, noDropIn := os.Stat(sshdDropIn)
	seen := map[sshdHole]bool{}
	for _, c := range a.specs {
		c.User = user
		k := key + "|" + c.where()
		hs, ok := a.cache[k]
		if !ok {
			s, err := sshdSettingsFor(c)
			if err != nil {
				return nil, err
			}
			hs = sshdHoles(s)
			a.cache[k] = hs
		}
		for _, h := range hs {
			if seen[h] {
				continue
			}
			seen[h] = true
			why := fmt.Sprintf("sshd lets jailed user %s %s (%s; %s)", user, h.What, h.Setting, c.where())
			switch {
			case noDropIn != nil:
				// Naming a file that is not there as the cure would send
				// the admin looking for it.
				why += fmt.Sprintf("; no %s is installed to restrict group %s", sshdDropIn, sshdGroup)
			case !slices.Contains(groups, sshdGroup):
				why += fmt.Sprintf("; %s is not in group %s, which %s restricts", user, sshdGroup, sshdDropIn)
			}
			fs = append(fs, finding{Kind: kindSSHD, User: user, UID: &uid, Code: h.Code, Reason: why})
		}
	}
	return fs, nil
}
