package config

// The grammar of jailme.conf(5), in the spirit of jail.conf(5):
//
//	file      = { [ statement ] [ ";" ] NEWLINE } EOF
//	statement = "user" NAME targets | "group" NAME targets | "default" target
//	          | "jail" NAME "{" { key "=" value ";" } "}"
//	          | ".include" STRING | "lookup_timeout" SECONDS
//	          | "log" ( "required" | "optional" )
//	targets   = "deny" | NAME { NAME }      the first NAME is the default jail
//	target    = "deny" | NAME
//
// Statements end at the end of the line; a jail body may span lines and
// its last ";" before "}" may be left out. Words are [A-Za-z0-9_.@-]+,
// strings are double-quoted with \" and \\ as the only escapes, "#"
// starts a comment. Every error names file:line:col.

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
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
		hint := ""
		if c == '/' {
			hint = ` (paths are quoted: "/like/this")`
		}
		return token{}, l.errorf(p, "unexpected character %q%s", string(c), hint)
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
	logPos  *Pos
	include func(pos Pos, pattern string, depth int) error // nil: Parse
	// included counts the files included, read their bytes (Load).
	included, read int
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
	// For going on after an error (resync): the kind of the last token
	// read, whether a jail body is open, and a token to read again.
	last   tokKind
	inBody bool
	unread *token
}

func (b *builder) parse(file string, data []byte, depth int) error {
	if err := checkEncoding(file, data); err != nil {
		return err
	}
	p := &parser{builder: b, lx: lexer{file: file, data: data, line: 1, col: 1}, depth: depth}
	// A rule is a line: sizing for the lines up front keeps a config of
	// many thousand assignments from being copied as it grows.
	if lines := bytes.Count(data, []byte{'\n'}) + 1; depth == 0 && cap(b.cfg.Rules) < lines {
		b.cfg.Rules = slices.Grow(b.cfg.Rules, lines)
		if len(b.users) == 0 {
			b.users = make(map[string]Pos, lines)
		}
	}
	// Every error is reported, up to maxErrors, as visudo and sshd -t do:
	// after one, parsing goes on at the next statement.
	var errs errorList
	for {
		t, err := p.next()
		if err == nil {
			switch t.kind {
			case tEOF:
				return errs.err()
			case tNL, tSemi:
				continue
			case tWord:
				err = p.statement(t)
			default:
				err = p.errorf(t.pos, "expected a directive, got %s", t)
			}
		}
		if err == nil {
			continue
		}
		if errs = append(errs, err); len(errs) >= maxErrors {
			errs = append(errs, fmt.Errorf("%s: more than %d errors, stopped", file, maxErrors))
			return errs.err()
		}
		p.resync()
	}
}

// maxErrors bounds the errors reported for one file.
const maxErrors = 20

// errorList is every error found, in file order; one line each.
type errorList []error

func (l errorList) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return errors.Join(l...)
}

// resync skips what is left of the statement that failed: the rest of its
// line, or of its jail body up to "}".
func (p *parser) resync() {
	inBody := p.inBody
	p.inBody = false
	if p.unread != nil {
		return // the error ended at the next statement's first word
	}
	if p.last == tNL && !inBody {
		return // the error was at the end of the line
	}
	for {
		t, err := p.next()
		if err != nil {
			p.lx.skipLine()
			if !inBody {
				return
			}
			continue
		}
		switch {
		case t.kind == tEOF:
			return
		case t.kind == tNL && !inBody:
			return
		case t.kind == tRBrace && inBody:
			p.lx.skipLine()
			return
		}
	}
}

// skipLine moves past the next newline.
func (l *lexer) skipLine() {
	for l.off < len(l.data) && l.data[l.off] != '\n' {
		l.off++
	}
	if l.off < len(l.data) {
		l.off++
		l.line++
		l.col = 1
	}
}

// checkEncoding names what an editor left that is not text of ours: a
// byte order mark, bytes that are not UTF-8.
func checkEncoding(file string, data []byte) error {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return fmt.Errorf("%s:1:1: byte order mark (U+FEFF) at the start of the file: save it without one", file)
	}
	if utf8.Valid(data) {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("%s:%d:%d: byte 0x%02x is not UTF-8 (the file must be UTF-8 text)", file, line, col, data[i])
		}
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col += n
		}
		i += n
	}
	return nil
}

func (p *parser) errorf(pos Pos, format string, args ...any) error {
	return p.lx.errorf(pos, format, args...)
}

func (p *parser) next() (token, error) {
	if t := p.unread; t != nil {
		p.unread = nil
		p.last = t.kind
		return *t, nil
	}
	t, err := p.lx.next()
	p.last = t.kind
	if err != nil {
		p.last = -1
	}
	return t, err
}

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
	case "log":
		return p.logDirective(t)
	case "lookup_timeout":
		return p.lookupTimeout(t)
	case "host_groups":
		return p.hostGroups(t)
	}
	return p.errorf(t.pos, "unknown directive %q%s", t.text, didYouMean(t.text, directives))
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
	targets, err := p.targets(end)
	if err != nil {
		return err
	}
	if first, dup := seen[subj.text]; dup {
		return p.errorf(kw.pos, "duplicate rule for %s %s (first at %s)", kw.text, subj.text, first)
	}
	seen[subj.text] = kw.pos
	p.cfg.Rules = append(p.cfg.Rules, Rule{Kind: kind, Subject: subj.text, Targets: targets, Pos: kw.pos})
	return nil
}

// targets reads the jails of a user or group rule up to the end of the
// line: deny alone, or one or more jail names, each once; the first is the
// jail a login without a selection enters (issue 18).
func (p *parser) targets(end string) ([]string, error) {
	t, err := p.target()
	if err != nil {
		return nil, err
	}
	targets := []string{t.text}
	for {
		n, err := p.next()
		if err != nil {
			return nil, err
		}
		switch n.kind {
		case tNL, tEOF:
			return targets, nil
		case tSemi:
			// As end(): an optional ";", then the end of the line.
			if n, err = p.next(); err != nil {
				return nil, err
			}
			if n.kind != tNL && n.kind != tEOF {
				return nil, p.errorf(n.pos, "expected end of line after %s, got %s", end, n)
			}
			return targets, nil
		case tWord, tString:
		default:
			return nil, p.errorf(n.pos, "expected a jail name or end of line after %s, got %s", end, n)
		}
		if n.text == deny || targets[0] == deny {
			return nil, p.errorf(n.pos, "deny stands alone: a rule either refuses or names jails")
		}
		if !validName(n.text) {
			return nil, p.errorf(n.pos, "invalid jail name %q", n.text)
		}
		if slices.Contains(targets, n.text) {
			return nil, p.errorf(n.pos, "jail %s named twice in one rule", n.text)
		}
		targets = append(targets, n.text)
	}
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
	p.cfg.Rules = append(p.cfg.Rules, Rule{Kind: ByDefault, Targets: []string{tgt.text}, Pos: kw.pos})
	return nil
}

// logDirective: "log required" refuses a session whose allow line syslog
// did not take; "log optional" (the default) logs it to stderr instead and
// goes on, as sudo and doas do (internal/audit).
func (p *parser) logDirective(kw token) error {
	v, err := p.value("required or optional")
	if err != nil {
		return err
	}
	if v.text != "required" && v.text != "optional" {
		return p.errorf(v.pos, "log takes required or optional, not %q", v.text)
	}
	if err := p.end("log directive"); err != nil {
		return err
	}
	if p.logPos != nil {
		return p.errorf(kw.pos, "duplicate log directive (first at %s)", *p.logPos)
	}
	p.logPos = &kw.pos
	p.cfg.LogRequired = v.text == "required"
	return nil
}

// maxLookupTimeout bounds lookup_timeout: a login that waits longer than a
// minute for the name service is not a deadline.
const maxLookupTimeout = 60

// lookupTimeout reads `lookup_timeout SECONDS`: how long jailsh and
// pam_jailme wait for the host's name service (issue 13).
func (p *parser) lookupTimeout(kw token) error {
	v, err := p.value("a number of seconds")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v.text, "s"))
	if err != nil || n < 1 || n > maxLookupTimeout || v.text[0] < '0' || v.text[0] > '9' {
		return p.errorf(v.pos, "lookup_timeout: %q is not a number of seconds from 1 to %d", v.text, maxLookupTimeout)
	}
	if err := p.end("lookup_timeout"); err != nil {
		return err
	}
	if p.cfg.LookupTimeout != 0 {
		return p.errorf(kw.pos, "duplicate lookup_timeout")
	}
	p.cfg.LookupTimeout = time.Duration(n) * time.Second
	return nil
}

// hostGroups reads `host_groups NAME...`: host groups that stay on the
// host (hostonly.go). It may appear more than once; the names add up.
func (p *parser) hostGroups(kw token) error {
	for {
		t, err := p.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tWord, tString:
			if !validName(t.text) {
				return p.errorf(t.pos, "host_groups: invalid group name %q", t.text)
			}
			if !slices.Contains(p.cfg.HostGroups, t.text) {
				p.cfg.HostGroups = append(p.cfg.HostGroups, t.text)
			}
			continue
		case tSemi:
			return p.end("host_groups")
		case tNL, tEOF:
			return nil
		}
		return p.errorf(t.pos, "expected a group name or end of line after host_groups, got %s", t)
	}
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
	"docker": true, "podman": true, "oci": true, "lxc": true, "containerd": true}

// locatorList names them in error messages.
const locatorList = "pidfile, machine, docker, podman, oci, lxc, containerd, path, jid"

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
	p.inBody = true
	for {
		key, err := p.nextSkipNL()
		if err != nil {
			return err
		}
		if key.kind == tRBrace {
			break
		}
		if key.kind == tEOF {
			p.inBody = false
			return p.errorf(kw.pos, "jail %s: no } closes the block opened here", j.Name)
		}
		if key.kind == tWord && slices.Contains(directives, key.text) && !knownKey(key.text) {
			// A directive where a key belongs: the } is missing. Say
			// where the block opened and read the directive again.
			p.unread, p.inBody = &key, false
			return p.errorf(kw.pos, "jail %s: no } closes the block opened here before %q at line %d", j.Name, key.text, key.pos.Line)
		}
		if key.kind != tWord {
			return p.errorf(key.pos, "expected a key or }, got %s", key)
		}
		if !knownKey(key.text) {
			return p.errorf(key.pos, "unknown key %q in jail %s%s", key.text, j.Name, didYouMean(key.text, keys))
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
	p.inBody = false
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

var (
	directives = []string{"user", "group", "default", "jail", ".include", "log", "lookup_timeout", "host_groups"}
	keys       = []string{"pidfile", "machine", "path", "jid", "groups", "allow_root", "allow_setuid", "shell", "users",
		"seccomp", "docker", "podman", "oci", "oci_root", "lxc", "containerd"}
)

func knownKey(k string) bool { return slices.Contains(keys, k) }

// didYouMean names the known word nearest to a typo (at most two edits
// away), for the error message.
func didYouMean(word string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(word, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of two short ASCII words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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
	case "containerd":
		// NAMESPACE/ID as ctr names them; a bare ID is in "default".
		ns, id, found := strings.Cut(v.text, "/")
		if !found {
			ns, id = "default", v.text
		}
		if !validName(ns) || !validName(id) {
			return p.errorf(v.pos, "invalid containerd container %q (want NAMESPACE/ID)", v.text)
		}
		j.Containerd = ns + "/" + id
	case "oci_root":
		j.OCIRoot, err = p.absPath(key, v)
	case "jid":
		j.JID, err = p.jid(v)
	case "groups":
		var i int
		i, err = p.oneOf(key, v, "strict", "subset")
		j.Groups = [...]GroupPolicy{Strict, Subset}[i]
	case "users":
		var i int
		i, err = p.oneOf(key, v, "files", "directory")
		j.Users = [...]UserSource{FilesUsers, DirectoryUsers}[i]
	case "seccomp":
		var i int
		i, err = p.oneOf(key, v, "init", "none")
		j.Seccomp = [...]SeccompPolicy{SeccompInit, SeccompNone}[i]
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

// oneOf wants one of words and returns its index (0 with the error).
func (p *parser) oneOf(key string, v token, words ...string) (int, error) {
	if i := slices.Index(words, v.text); i >= 0 {
		return i, nil
	}
	return 0, p.errorf(v.pos, "%s must be %s, not %q", key, strings.Join(words, " or "), v.text)
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
