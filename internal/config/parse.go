package config

// The grammar of jailme.conf(5), in the spirit of jail.conf(5):
//
//	file      = { [ statement ] [ ";" ] NEWLINE } EOF
//	statement = "user" NAME target | "group" NAME target | "default" target
//	          | "jail" NAME "{" { key "=" value ";" } "}"
//	          | ".include" STRING
//	target    = "deny" | NAME
//
// Statements end at the end of the line; a jail body may span lines and
// its last ";" before "}" may be left out. Words are [A-Za-z0-9_.@-]+,
// strings are double-quoted with \" and \\ as the only escapes, "#"
// starts a comment. Every error names file:line:col.

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tNL
	tWord
	tString
	tLBrace
	tRBrace
	tSemi
	tEq
)

type token struct {
	kind tokKind
	text string
	pos  Pos
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tNL:
		return "end of line"
	case tWord:
		return strconv.Quote(t.text)
	case tString:
		return "string " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

type lexer struct {
	file      string
	data      []byte
	off       int
	line, col int
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '@' || c == '-'
}

func (l *lexer) pos() Pos { return Pos{File: l.file, Line: l.line, Col: l.col} }

func (l *lexer) errorf(p Pos, format string, args ...any) error {
	return fmt.Errorf("%s: %s", p, fmt.Sprintf(format, args...))
}

var punct = map[byte]tokKind{'{': tLBrace, '}': tRBrace, ';': tSemi, '=': tEq}

func (l *lexer) next() (token, error) {
	for l.off < len(l.data) {
		c := l.data[l.off]
		if c == ' ' || c == '\t' || c == '\r' {
			l.off++
			l.col++
		} else if c == '#' {
			for l.off < len(l.data) && l.data[l.off] != '\n' {
				l.off++
				l.col++
			}
		} else {
			break
		}
	}
	p := l.pos()
	if l.off >= len(l.data) {
		return token{kind: tEOF, pos: p}, nil
	}
	c := l.data[l.off]
	switch c {
	case '\n':
		l.off++
		l.line++
		l.col = 1
		return token{kind: tNL, pos: p}, nil
	case '{', '}', ';', '=':
		l.off++
		l.col++
		return token{kind: punct[c], text: string(c), pos: p}, nil
	case '"':
		return l.str()
	}
	if !isWordByte(c) {
		return token{}, l.errorf(p, "unexpected character %q", string(c))
	}
	start := l.off
	for l.off < len(l.data) && isWordByte(l.data[l.off]) {
		l.off++
		l.col++
	}
	return token{kind: tWord, text: string(l.data[start:l.off]), pos: p}, nil
}

// str reads a double-quoted string; the opening quote is at l.off.
func (l *lexer) str() (token, error) {
	p := l.pos()
	l.off++
	l.col++
	var sb strings.Builder
	for {
		if l.off >= len(l.data) || l.data[l.off] == '\n' {
			return token{}, l.errorf(p, "unterminated string")
		}
		c := l.data[l.off]
		switch {
		case c == '"':
			l.off++
			l.col++
			s := sb.String()
			if !utf8.ValidString(s) {
				return token{}, l.errorf(p, "string is not valid UTF-8")
			}
			return token{kind: tString, text: s, pos: p}, nil
		case c == '\\':
			if l.off+1 >= len(l.data) || (l.data[l.off+1] != '"' && l.data[l.off+1] != '\\') {
				return token{}, l.errorf(l.pos(), `invalid escape in string (only \" and \\)`)
			}
			sb.WriteByte(l.data[l.off+1])
			l.off += 2
			l.col += 2
		case c < 0x20 || c == 0x7f:
			return token{}, l.errorf(l.pos(), "control character %q in string", string(c))
		default:
			sb.WriteByte(c)
			l.off++
			l.col++
		}
	}
}

// builder collects what the files of one configuration say; the state
// outlives a single file so duplicates are found across includes.
type builder struct {
	cfg     *Config
	users   map[string]Pos
	groups  map[string]Pos
	dflt    *Pos
	include func(pos Pos, pattern string, depth int) error // nil: Parse
}

func newBuilder(file string) *builder {
	return &builder{
		cfg:    &Config{File: file, Jails: make(map[string]*Jail)},
		users:  make(map[string]Pos),
		groups: make(map[string]Pos),
	}
}

type parser struct {
	*builder
	lx    lexer
	depth int
}

func (b *builder) parse(file string, data []byte, depth int) error {
	p := &parser{builder: b, lx: lexer{file: file, data: data, line: 1, col: 1}, depth: depth}
	// A rule is a line: sizing for the lines up front keeps a config of
	// many thousand assignments from being copied as it grows.
	if lines := bytes.Count(data, []byte{'\n'}) + 1; depth == 0 && cap(b.cfg.Rules) < lines {
		b.cfg.Rules = slices.Grow(b.cfg.Rules, lines)
		if len(b.users) == 0 {
			b.users = make(map[string]Pos, lines)
		}
	}
	for {
		t, err := p.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tEOF:
			return nil
		case tNL, tSemi:
			continue
		case tWord:
			if err := p.statement(t); err != nil {
				return err
			}
		default:
			return p.errorf(t.pos, "expected a directive, got %s", t)
		}
	}
}

func (p *parser) errorf(pos Pos, format string, args ...any) error {
	return p.lx.errorf(pos, format, args...)
}

func (p *parser) next() (token, error) { return p.lx.next() }

// nextSkipNL is next inside a jail body, where lines do not matter.
func (p *parser) nextSkipNL() (token, error) {
	for {
		t, err := p.next()
		if err != nil || t.kind != tNL {
			return t, err
		}
	}
}

func (p *parser) statement(t token) error {
	switch t.text {
	case "user", "group":
		return p.rule(t)
	case "default":
		return p.defaultRule(t)
	case "jail":
		return p.jail(t)
	case ".include":
		return p.includeDirective(t)
	}
	return p.errorf(t.pos, "unknown directive %q", t.text)
}

// value reads a word or a string.
func (p *parser) value(what string) (token, error) {
	t, err := p.next()
	if err != nil {
		return t, err
	}
	if t.kind != tWord && t.kind != tString {
		return t, p.errorf(t.pos, "expected %s, got %s", what, t)
	}
	return t, nil
}

// end finishes a statement: an optional ";", then the end of the line.
func (p *parser) end(after string) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind == tSemi {
		if t, err = p.next(); err != nil {
			return err
		}
	}
	if t.kind != tNL && t.kind != tEOF {
		return p.errorf(t.pos, "expected end of line after %s, got %s", after, t)
	}
	return nil
}

// validName accepts user, group and jail names: the word characters, not
// starting with "-" (it would read as an option), not "." or "..".
func validName(s string) bool {
	if s == "" || len(s) > 256 || s[0] == '-' || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func (p *parser) target() (token, error) {
	t, err := p.value("a jail name or deny")
	if err != nil {
		return t, err
	}
	if t.text != deny && !validName(t.text) {
		return t, p.errorf(t.pos, "invalid jail name %q", t.text)
	}
	return t, nil
}

func (p *parser) rule(kw token) error {
	kind, seen, what, end := ByUser, p.users, "user name", "user rule"
	if kw.text == "group" {
		kind, seen, what, end = ByGroup, p.groups, "group name", "group rule"
	}
	subj, err := p.value(what)
	if err != nil {
		return err
	}
	if !validName(subj.text) {
		return p.errorf(subj.pos, "invalid %s name %q", kw.text, subj.text)
	}
	tgt, err := p.target()
	if err != nil {
		return err
	}
	if err := p.end(end); err != nil {
		return err
	}
	if first, dup := seen[subj.text]; dup {
		return p.errorf(kw.pos, "duplicate rule for %s %s (first at %s)", kw.text, subj.text, first)
	}
	seen[subj.text] = kw.pos
	p.cfg.Rules = append(p.cfg.Rules, Rule{Kind: kind, Subject: subj.text, Target: tgt.text, Pos: kw.pos})
	return nil
}

func (p *parser) defaultRule(kw token) error {
	tgt, err := p.target()
	if err != nil {
		return err
	}
	if err := p.end("default rule"); err != nil {
		return err
	}
	if p.dflt != nil {
		return p.errorf(kw.pos, "duplicate default rule (first at %s)", *p.dflt)
	}
	p.dflt = &kw.pos
	p.cfg.Rules = append(p.cfg.Rules, Rule{Kind: ByDefault, Target: tgt.text, Pos: kw.pos})
	return nil
}

func (p *parser) includeDirective(kw token) error {
	pat, err := p.value("a path to include")
	if err != nil {
		return err
	}
	if err := p.end(".include"); err != nil {
		return err
	}
	if p.include == nil {
		return p.errorf(kw.pos, "include not allowed here")
	}
	return p.include(kw.pos, pat.text, p.depth)
}

// locators are the keys that say where the jail is; at most one per jail.
var locators = map[string]bool{"pidfile": true, "machine": true, "path": true, "jid": true,
	"docker": true, "podman": true, "oci": true, "lxc": true}

// locatorList names them in error messages.
const locatorList = "pidfile, machine, docker, podman, oci, lxc, path, jid"

func (p *parser) jail(kw token) error {
	name, err := p.value("a jail name")
	if err != nil {
		return err
	}
	if name.text == deny {
		return p.errorf(name.pos, "%q is reserved and cannot name a jail", deny)
	}
	if !validName(name.text) {
		return p.errorf(name.pos, "invalid jail name %q", name.text)
	}
	if j, dup := p.cfg.Jails[name.text]; dup {
		return p.errorf(kw.pos, "duplicate jail %s (first at %s)", name.text, j.Pos)
	}
	t, err := p.nextSkipNL()
	if err != nil {
		return err
	}
	if t.kind != tLBrace {
		return p.errorf(t.pos, "expected { after jail %s, got %s", name.text, t)
	}
	j := &Jail{Name: name.text, Groups: Strict, Pos: kw.pos}
	seen := make(map[string]Pos)
	var locator *token
	for {
		key, err := p.nextSkipNL()
		if err != nil {
			return err
		}
		if key.kind == tRBrace {
			break
		}
		if key.kind != tWord {
			return p.errorf(key.pos, "expected a key or }, got %s", key)
		}
		if !knownKey(key.text) {
			return p.errorf(key.pos, "unknown key %q in jail %s", key.text, j.Name)
		}
		if first, dup := seen[key.text]; dup {
			return p.errorf(key.pos, "duplicate key %s in jail %s (first at %s)", key.text, j.Name, first)
		}
		seen[key.text] = key.pos
		if locators[key.text] {
			if locator != nil {
				return p.errorf(key.pos, "jail %s: %s and %s (at %s) both locate the jail; use one of %s",
					j.Name, key.text, locator.text, locator.pos, locatorList)
			}
			k := key
			locator = &k
		}
		if t, err = p.nextSkipNL(); err != nil {
			return err
		}
		if t.kind != tEq {
			return p.errorf(t.pos, "expected = after %s, got %s", key.text, t)
		}
		if t, err = p.nextSkipNL(); err != nil {
			return err
		}
		if t.kind != tWord && t.kind != tString {
			return p.errorf(t.pos, "expected a value for %s, got %s", key.text, t)
		}
		if err := p.setKey(j, key.text, t); err != nil {
			return err
		}
		if t, err = p.nextSkipNL(); err != nil {
			return err
		}
		if t.kind == tRBrace {
			break // the last ";" may be left out
		}
		if t.kind != tSemi {
			return p.errorf(t.pos, "expected ; after %s value, got %s", key.text, t)
		}
	}
	if err := p.end("jail " + j.Name); err != nil {
		return err
	}
	if j.OCIRoot != "" && j.OCI == "" {
		return p.errorf(seen["oci_root"], "jail %s: oci_root without oci", j.Name)
	}
	p.cfg.Jails[j.Name] = j
	p.cfg.Order = append(p.cfg.Order, j.Name)
	return nil
}

func knownKey(k string) bool {
	switch k {
	case "pidfile", "machine", "path", "jid", "groups", "allow_root", "allow_setuid", "shell",
		"docker", "podman", "oci", "oci_root", "lxc":
		return true
	}
	return false
}

func (p *parser) setKey(j *Jail, key string, v token) error {
	var err error
	switch key {
	case "pidfile":
		j.Pidfile, err = p.absPath(key, v)
	case "path":
		j.Path, err = p.absPath(key, v)
	case "shell":
		j.Shell, err = p.absPath(key, v)
	case "machine":
		if !validName(v.text) {
			return p.errorf(v.pos, "invalid machine name %q", v.text)
		}
		j.Machine = v.text
	case "docker", "podman", "oci", "lxc":
		// Container names and ids: a path component in the runtimes' state.
		if !validName(v.text) {
			return p.errorf(v.pos, "invalid %s name %q", key, v.text)
		}
		switch key {
		case "docker":
			j.Docker = v.text
		case "podman":
			j.Podman = v.text
		case "oci":
			j.OCI = v.text
		case "lxc":
			j.LXC = v.text
		}
	case "oci_root":
		j.OCIRoot, err = p.absPath(key, v)
	case "jid":
		j.JID, err = p.jid(v)
	case "groups":
		switch v.text {
		case "strict":
			j.Groups = Strict
		case "subset":
			j.Groups = Subset
		default:
			return p.errorf(v.pos, "groups must be strict or subset, not %q", v.text)
		}
	case "allow_root":
		j.AllowRoot, err = p.boolean(key, v)
	case "allow_setuid":
		j.AllowSetuid, err = p.boolean(key, v)
	}
	return err
}

// absPath wants an absolute path without ".." components: what it names
// must not depend on how it is resolved.
func (p *parser) absPath(key string, v token) (string, error) {
	if !strings.HasPrefix(v.text, "/") {
		return "", p.errorf(v.pos, "%s must be an absolute path, not %q", key, v.text)
	}
	for _, c := range strings.Split(v.text, "/") {
		if c == ".." {
			return "", p.errorf(v.pos, "%s must not contain \"..\": %q", key, v.text)
		}
	}
	return filepath.Clean(v.text), nil
}

// jid wants a positive decimal integer: no sign, no leading zero.
func (p *parser) jid(v token) (int, error) {
	s := v.text
	ok := s != "" && s[0] != '0' && len(s) <= 10
	for i := 0; ok && i < len(s); i++ {
		ok = '0' <= s[i] && s[i] <= '9'
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if !ok || err != nil || n <= 0 {
		return 0, p.errorf(v.pos, "jid must be a positive integer, not %q", s)
	}
	return int(n), nil
}

func (p *parser) boolean(key string, v token) (bool, error) {
	switch v.text {
	case "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return false, p.errorf(v.pos, "%s must be true, false, yes or no, not %q", key, v.text)
}
