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
// sshd -T prints it. It runs sshd with an empty environment.
func sshdSettings(user string) (map[string][]string, error) {
	if _, err := os.Stat(sshdPath); err != nil {
		return nil, errNoSSHD
	}
	ctx, cancel := context.WithTimeout(context.Background(), sshdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sshdPath, "-T", "-C", "user="+user+",host=localhost,addr=127.0.0.1")
	cmd.Env = []string{}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sshd -T -C user=%s: %v: %s", user, err, strings.TrimSpace(errb.String()))
	}
	return parseSSHDT(out.Bytes()), nil
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
// would cost about a minute.
type sshdAudit struct {
	byGroups bool
	cache    map[string][]sshdHole
}

func newSSHDAudit() *sshdAudit {
	return &sshdAudit{byGroups: !matchesUsers(sshdConfig, 0), cache: map[string][]sshdHole{}}
}

// sshdConfig is the host's sshd configuration; tests point it elsewhere.
var sshdConfig = "/etc/ssh/sshd_config"

// matchesUsers reports whether file, or a file it includes, has a Match
// line with a User criterion (then the settings depend on the name, not
// only on the groups). Unreadable means yes: ask per user.
func matchesUsers(file string, depth int) bool {
	data, err := os.ReadFile(file)
	if err != nil || depth > 8 {
		return true
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch strings.ToLower(f[0]) {
		case "match":
			for _, w := range f[1:] {
				if w = strings.ToLower(w); w == "user" || strings.HasPrefix(w, "user=") {
					return true
				}
			}
		case "include":
			for _, pat := range f[1:] {
				if !strings.HasPrefix(pat, "/") {
					pat = "/etc/ssh/" + pat
				}
				ms, _ := filepath.Glob(pat)
				for _, m := range ms {
					if matchesUsers(m, depth+1) {
						return true
					}
				}
			}
		}
	}
	return false
}

// findings are the audit findings for one jailed user.
func (a *sshdAudit) findings(user string, uid uint32, groups []string) ([]finding, error) {
	key := user
	if a.byGroups {
		gs := slices.Clone(groups)
		slices.Sort(gs)
		key = "groups:" + strings.Join(gs, ",")
	}
	hs, ok := a.cache[key]
	if !ok {
		s, err := sshdSettings(user)
		if err != nil {
			return nil, err
		}
		hs = sshdHoles(s)
		a.cache[key] = hs
	}
	var fs []finding
	_, noDropIn := os.Stat(sshdDropIn)
	for _, h := range hs {
		why := fmt.Sprintf("sshd lets jailed user %s %s (%s)", user, h.What, h.Setting)
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
	return fs, nil
}
