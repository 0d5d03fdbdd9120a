package logincap

import "strings"

// A Var is one environment variable a class sets: Overwrite false keeps a
// value already set (TERM), as setenv(3)'s third argument.
type Var struct {
	Name, Value string
	Overwrite   bool
}

// FreeBSD's <paths.h>: the PATH for a user (and for root) when the class
// names none.
const (
	defPath = "/usr/bin:/bin"
	stdPath = "/usr/bin:/bin:/usr/sbin:/sbin"
)

// Environment is setclassenvironment's result for r, first the paths
// (path, cdpath, manpath: lists separated by white space or commas, made
// ":"-separated), then lang, charset, mail, timezone, term, then the
// setenv list; "~" is the home directory and "$" the user's name in every
// value, "\~" and "\$" themselves. Here from the jail's login.conf: it is
// the jail's business what its users' PATH is, and nothing in it is more
// than the user could set in their own shell.
func Environment(r Record, user, home string, uid uint32) ([]Var, error) {
	var vars []Var
	for _, p := range []struct{ cap, name string }{{"path", "PATH"}, {"cdpath", "CDPATH"}, {"manpath", "MANPATH"}} {
		s, ok, err := r.Str(p.cap)
		if err != nil {
			return nil, err
		}
		switch {
		case ok:
			vars = append(vars, Var{p.name, subst(pathList(s), user, home), true})
		case p.name == "PATH" && uid == 0:
			vars = append(vars, Var{p.name, stdPath, false})
		case p.name == "PATH":
			vars = append(vars, Var{p.name, defPath, false})
		}
	}
	for _, e := range []struct {
		cap, name string
		over      bool
	}{{"lang", "LANG", true}, {"charset", "MM_CHARSET", true}, {"mail", "MAIL", true}, {"timezone", "TZ", true}, {"term", "TERM", false}} {
		s, ok, err := r.Str(e.cap)
		if err != nil {
			return nil, err
		}
		if ok {
			vars = append(vars, Var{e.name, subst(s, user, home), e.over})
		}
	}
	list, ok, err := r.Str("setenv")
	if err != nil || !ok {
		return vars, err
	}
	for _, item := range splitQuoted(list, ",") {
		name, value, found := strings.Cut(item, "=")
		name = strings.TrimLeft(name, " \t")
		if !found || name == "" {
			continue // setclassenvironment discards it too
		}
		vars = append(vars, Var{name, subst(value, user, home), true})
	}
	return vars, nil
}

// Apply sets vars in env, as setenv(3) would one after the other.
func Apply(env []string, vars []Var) []string {
	for _, v := range vars {
		i := index(env, v.Name)
		switch {
		case i < 0:
			env = append(env, v.Name+"="+v.Value)
		case v.Overwrite:
			env[i] = v.Name + "=" + v.Value
		}
	}
	return env
}

func index(env []string, name string) int {
	for i, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return i
		}
	}
	return -1
}

// pathList is login_getpath: the separators white space and "," become ":".
func pathList(s string) string {
	return strings.Map(func(c rune) rune {
		if c == ' ' || c == '\t' || c == ',' {
			return ':'
		}
		return c
	}, s)
}

// subst is substvar: "~" is home (with a "/" after it unless home ends in
// one or a "/" follows), "$" is the user's name, a backslash before either
// makes it literal.
func subst(s, user, home string) string {
	if !strings.ContainsAny(s, "~$") {
		return s
	}
	var b strings.Builder
	slash := home != "" && !strings.HasSuffix(home, "/")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (c == '~' || c == '$') && b.Len() > 0 && strings.HasSuffix(b.String(), "\\"):
			// Escaped: the backslash goes, the character stays.
			rest := b.String()[:b.Len()-1]
			b.Reset()
			b.WriteString(rest)
			b.WriteByte(c)
		case c == '~':
			b.WriteString(home)
			if slash && (i+1 >= len(s) || s[i+1] != '/') {
				b.WriteByte('/')
			}
		case c == '$':
			b.WriteString(user)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// splitQuoted is login_getcaplist's arrayize: split at any of seps outside
// '...' or "..." quotes, then the quotes removed.
func splitQuoted(s, seps string) []string {
	var (
		out   []string
		cur   strings.Builder
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && strings.IndexByte(seps, c) >= 0:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
