// Package directory decides whether a jail resolves users from the same
// directory (LDAP server) as the host: the condition for `users =
// directory`, under which a jail user's identity is taken from the host's
// NSS instead of the jail's /etc/passwd.
//
// What is compared, and nothing else:
//   - nsswitch.conf: the host's passwd line names a directory source, ldap
//     (nss-pam-ldapd's nslcd) or sss (sssd), and the jail's passwd and group
//     lines both name that same source.
//   - ldap: nslcd.conf's uri lines (every URI, as a set) and base lines
//     (the default base and any per-map base, as a set), host and jail
//     equal.
//   - sss: sssd.conf's ldap_uri values (as a set) and ldap_search_base
//     values of every [domain/...] section, host and jail equal.
//
// URIs compare case-insensitively without a trailing "/"; DNs compare
// case-insensitively with the spaces around "," and "=" removed. TLS
// settings, bind credentials and filters are not compared: the identity a
// name resolves to is decided by the server and the search base.
//
// The jail's files are read by our parser by fd inside the jail root
// (userdb.OpenInRoot), never through the jail's libraries (sudo
// CVE-2025-32463); the host's from the host's /etc.
package directory

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/userdb"
)

// Server is where one side's NSS resolves users: the source and the
// server URIs and search bases its provider is configured with.
type Server struct {
	Source string   // "ldap" or "sss"
	File   string   // the provider's config file, for messages
	URIs   []string // sorted, normalized
	Bases  []string // sorted, normalized
}

// Host file locations; tests point them elsewhere.
var hostEtc = "/etc"

// maxFile caps each config file read.
const maxFile = 1 << 20

type opener func(name string) (io.ReadCloser, error)

// Host is the host's directory configuration.
func Host() (Server, error) {
	s, err := read(func(name string) (io.ReadCloser, error) {
		// A blocking fd keeps the file out of Go's poller: os.Open would
		// start the netpoller and leave its epoll fd in sshd (pam_jailme).
		p := path.Join(hostEtc, name)
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
		return os.NewFile(uintptr(fd), p), nil
	}, "", "host")
	return s, err
}

// InJail is the jail's directory configuration, read by fd inside root;
// source is the host's, which the jail must use too.
func InJail(root *os.File, source string) (Server, error) {
	return read(func(name string) (io.ReadCloser, error) {
		return userdb.OpenInRoot(root, "/etc/"+name)
	}, source, "jail")
}

// Verify reports why the jail at root does not share the host's directory;
// nil when it does.
func Verify(root *os.File) error {
	h, err := Host()
	if err != nil {
		return err
	}
	j, err := InJail(root, h.Source)
	if err != nil {
		return err
	}
	return Same(h, j)
}

// Same compares the two sides as the package comment says.
func Same(h, j Server) error {
	if h.Source != j.Source {
		return fmt.Errorf("the jail uses %s, the host %s", j.Source, h.Source)
	}
	if !slices.Equal(h.URIs, j.URIs) {
		return fmt.Errorf("%s points at %s, %s at %s", j.File, list(j.URIs), h.File, list(h.URIs))
	}
	if !slices.Equal(h.Bases, j.Bases) {
		return fmt.Errorf("%s searches %s, %s %s", j.File, list(j.Bases), h.File, list(h.Bases))
	}
	return nil
}

func list(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, " ")
}

// read finds the directory source in nsswitch.conf (want: the one it must
// be, "" for the host) and reads its provider's configuration.
func read(open opener, want, side string) (Server, error) {
	sources, err := nsswitch(open)
	if err != nil {
		return Server{}, fmt.Errorf("%s /etc/nsswitch.conf: %w", side, err)
	}
	if want == "" {
		for _, s := range sources["passwd"] {
			if s == "ldap" || s == "sss" {
				want = s
				break
			}
		}
		if want == "" {
			return Server{}, fmt.Errorf("host /etc/nsswitch.conf: passwd names no directory source (ldap or sss)")
		}
	}
	for _, db := range []string{"passwd", "group"} {
		if !slices.Contains(sources[db], want) {
			return Server{}, fmt.Errorf("%s /etc/nsswitch.conf: %s does not use %s (it says: %s)", side, db, want, list(sources[db]))
		}
	}
	var s Server
	switch want {
	case "ldap":
		s, err = nslcd(open)
	case "sss":
		s, err = sssd(open)
	}
	if err != nil {
		return Server{}, fmt.Errorf("%s %w", side, err)
	}
	if len(s.URIs) == 0 {
		return Server{}, fmt.Errorf("%s /etc/%s: no server URI", side, s.File)
	}
	if len(s.Bases) == 0 {
		return Server{}, fmt.Errorf("%s /etc/%s: no search base", side, s.File)
	}
	s.File = side + " /etc/" + s.File
	slices.Sort(s.URIs)
	s.URIs = slices.Compact(s.URIs)
	slices.Sort(s.Bases)
	s.Bases = slices.Compact(s.Bases)
	return s, nil
}

// lines calls fn with every line of name without comments, trimmed,
// non-empty.
func lines(open opener, name string, fn func(line string)) error {
	f, err := open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxFile))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		l := sc.Text()
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" {
			fn(l)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read /etc/%s: %w", name, err)
	}
	return nil
}

// nsswitch maps each database to its sources, [action] items left out.
func nsswitch(open opener) (map[string][]string, error) {
	m := map[string][]string{}
	err := lines(open, "nsswitch.conf", func(l string) {
		db, rest, ok := strings.Cut(l, ":")
		if !ok {
			return
		}
		var srcs []string
		depth := 0
		for _, w := range strings.Fields(rest) {
			if strings.HasPrefix(w, "[") {
				depth++
			}
			if depth == 0 {
				srcs = append(srcs, w)
			}
			if strings.HasSuffix(w, "]") && depth > 0 {
				depth--
			}
		}
		m[strings.TrimSpace(db)] = srcs
	})
	return m, err
}

// nslcd reads nslcd.conf(5): "uri URI..." and "base [MAP] DN".
func nslcd(open opener) (Server, error) {
	s := Server{Source: "ldap", File: "nslcd.conf"}
	err := lines(open, s.File, func(l string) {
		f := strings.Fields(l)
		switch strings.ToLower(f[0]) {
		case "uri":
			for _, u := range f[1:] {
				s.URIs = append(s.URIs, normURI(u))
			}
		case "base":
			rest := strings.TrimSpace(l[len(f[0]):])
			if len(f) >= 3 && nslcdMaps[strings.ToLower(f[1])] {
				s.Bases = append(s.Bases, strings.ToLower(f[1])+": "+normDN(strings.TrimSpace(rest[len(f[1]):])))
			} else if rest != "" {
				s.Bases = append(s.Bases, normDN(rest))
			}
		}
	})
	if err != nil {
		return s, fmt.Errorf("/etc/nslcd.conf: %w", err)
	}
	return s, nil
}

// nslcdMaps are the map names a base line may start with (nslcd.conf(5)).
var nslcdMaps = map[string]bool{"aliases": true, "ethers": true, "group": true, "hosts": true, "netgroup": true,
	"networks": true, "passwd": true, "protocols": true, "rpc": true, "services": true, "shadow": true}

// sssd reads sssd.conf(5): ldap_uri and ldap_search_base in every
// [domain/...] section.
func sssd(open opener) (Server, error) {
	s := Server{Source: "sss", File: "sssd/sssd.conf"}
	inDomain := false
	err := lines(open, s.File, func(l string) {
		if strings.HasPrefix(l, "[") {
			inDomain = strings.HasPrefix(strings.ToLower(l), "[domain/")
			return
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || !inDomain {
			return
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "ldap_uri":
			for _, u := range strings.Split(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					s.URIs = append(s.URIs, normURI(u))
				}
			}
		case "ldap_search_base":
			s.Bases = append(s.Bases, normDN(strings.TrimSpace(v)))
		}
	})
	if err != nil {
		return s, fmt.Errorf("/etc/sssd/sssd.conf: %w", err)
	}
	return s, nil
}

func normURI(u string) string {
	return strings.TrimSuffix(strings.ToLower(u), "/")
}

func normDN(dn string) string {
	dn = strings.ToLower(dn)
	var b strings.Builder
	for _, part := range strings.Split(dn, ",") {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			b.WriteString(strings.TrimSpace(part))
			continue
		}
		b.WriteString(strings.TrimSpace(k) + "=" + strings.TrimSpace(v))
	}
	return b.String()
}
