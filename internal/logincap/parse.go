// Package logincap reads FreeBSD's login.conf(5), a capability database
// (getcap(3)), with its own parser, and computes what a login class gives a
// session: the privileged items (resource limits, priority, umask, the
// kernel login class, the MAC label) and the environment (PATH and the
// like), as setusercontext(3) does for jexec -l (lib/libutil/login_cap.c,
// login_class.c). Which file each comes from is the caller's decision
// (jail_freebsd.go): the host's for the privileged items, the jail's for
// the environment.
//
// No libc: the jail's file is written by the jail's root, and libutil's
// cgetent would also read a login.conf.db the jail provides.
package logincap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxFileSize caps what is read: a login.conf is a few KiB.
const MaxFileSize = 1 << 20

// maxTC is how deep "tc=" may nest, getcap(3)'s MAX_RECURSION.
const maxTC = 32

// maxFields bounds the fields a class's "tc=" expansion visits,
// capabilities and tc= alike: a record naming another twice, which names
// another twice, ... would otherwise grow as 2^32 within maxTC, from a
// jail's file, on every login.
const maxFields = 1 << 14

// DB is a parsed capability database: its records in file order.
type DB struct {
	File    string
	records []record
	byName  map[string]int // the first record with each name: a tc= costs no scan
}

type record struct {
	names  []string // "default", "root|Root class": every name matches
	fields []string // raw "name", "name=value", "name#num", "name@", "tc=x"
	line   int
}

// Record is one class with its "tc=" references expanded: capabilities in
// the order getcap(3) searches them, the first occurrence winning.
type Record struct {
	File string
	Name string // the name it was found by
	Line int
	caps []string
}

// Parse reads a capability database: a record is a logical line (a line
// ending in "\" continues on the next), fields separated by ":", the first
// field the record's names separated by "|"; lines starting with "#" and
// blank lines are skipped. A NUL, a line of its own starting with white
// space or a record without a name is an error "FILE:LINE: why".
func Parse(file string, r io.Reader) (*DB, error) {
	db := &DB{File: file, byName: map[string]int{}}
	br := bufio.NewReader(io.LimitReader(r, MaxFileSize+1))
	var (
		logical strings.Builder
		start   int
		n       int
		total   int
	)
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: read: %w", file, err)
		}
		if line == "" && err == io.EOF {
			break
		}
		if total += len(line); total > MaxFileSize {
			return nil, fmt.Errorf("%s: larger than %d bytes", file, MaxFileSize)
		}
		n++
		line = strings.TrimSuffix(line, "\n")
		if strings.IndexByte(line, 0) >= 0 {
			return nil, fmt.Errorf("%s:%d: NUL byte", file, n)
		}
		continued := logical.Len() > 0
		if !continued {
			trimmed := strings.TrimLeft(line, " \t")
			if trimmed == "" || line[0] == '#' {
				continue
			}
			if trimmed != line {
				return nil, fmt.Errorf("%s:%d: white space before a record's name (a continuation without the \"\\\" before it?)", file, n)
			}
			start = n
		}
		if strings.HasSuffix(line, "\\") {
			logical.WriteString(line[:len(line)-1])
			if err == io.EOF {
				return nil, fmt.Errorf("%s:%d: \"\\\" at the end of the file", file, n)
			}
			continue
		}
		logical.WriteString(line)
		rec, perr := parseRecord(logical.String())
		if perr != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, start, perr)
		}
		rec.line = start
		for _, name := range rec.names {
			if _, dup := db.byName[name]; !dup {
				db.byName[name] = len(db.records)
			}
		}
		db.records = append(db.records, rec)
		logical.Reset()
		if err == io.EOF {
			break
		}
	}
	if logical.Len() > 0 {
		return nil, fmt.Errorf("%s:%d: \"\\\" at the end of the file", file, n)
	}
	return db, nil
}

func parseRecord(s string) (record, error) {
	parts := strings.Split(s, ":")
	var rec record
	for _, name := range strings.Split(parts[0], "|") {
		if name == "" {
			return rec, errors.New("a record with an empty name")
		}
		rec.names = append(rec.names, name)
	}
	for _, f := range parts[1:] {
		// "\t:umask=022:" after a joined continuation: fields of white
		// space only are the layout, not capabilities.
		if strings.TrimLeft(f, " \t") == "" {
			continue
		}
		rec.fields = append(rec.fields, f)
	}
	return rec, nil
}

// find is the first record with name among its names, or nil.
func (db *DB) find(name string) *record {
	if i, ok := db.byName[name]; ok {
		return &db.records[i]
	}
	return nil
}

// ErrNoClass is wrapped when a class has no record.
var ErrNoClass = errors.New("no such class")

// Lookup returns the class name with every "tc=" expanded in place, as
// cgetent does: the referenced record's capabilities where the tc= field
// was, so those before it win.
func (db *DB) Lookup(name string) (Record, error) {
	r := db.find(name)
	if r == nil {
		return Record{}, fmt.Errorf("%s: class %q: %w", db.File, name, ErrNoClass)
	}
	var caps []string
	visited := 0
	err := db.expand(r, 0, &caps, &visited)
	if err != nil {
		return Record{}, fmt.Errorf("%s:%d: class %q: %w", db.File, r.line, name, err)
	}
	return Record{File: db.File, Name: name, Line: r.line, caps: caps}, nil
}

func (db *DB) expand(r *record, depth int, caps *[]string, visited *int) error {
	if depth >= maxTC {
		return fmt.Errorf("tc= nested more than %d deep (a loop?)", maxTC)
	}
	for _, f := range r.fields {
		if *visited++; *visited > maxFields {
			return fmt.Errorf("more than %d capabilities after tc= expansion", maxFields)
		}
		ref, ok := strings.CutPrefix(f, "tc=")
		if !ok {
			*caps = append(*caps, f)
			continue
		}
		sub := db.find(ref)
		if sub == nil {
			return fmt.Errorf("tc=%s: no such record", ref)
		}
		if err := db.expand(sub, depth+1, caps, visited); err != nil {
			return err
		}
	}
	return nil
}

// capability returns the first field for cap: its type ('=', '#', '@' or
// 0 for a bare name) and raw value. A field "cap@" cancels the
// capability: found is then false, as cgetcap answers.
func (r Record) capability(cap string, typ byte) (value string, found bool) {
	for _, f := range r.caps {
		rest, ok := strings.CutPrefix(f, cap)
		if !ok {
			continue
		}
		switch {
		case rest == "@":
			return "", false
		case rest == "" && typ == 0:
			return "", true
		case rest != "" && rest[0] == typ:
			return rest[1:], true
		}
	}
	return "", false
}

// Has reports a boolean capability.
func (r Record) Has(cap string) bool {
	_, ok := r.capability(cap, 0)
	return ok
}

// Str returns a string capability "cap=value" with getcap's escapes
// decoded (\E \e \n \r \t \b \f \c for ":", \\ \^, \NNN octal, ^X).
func (r Record) Str(cap string) (string, bool, error) {
	raw, ok := r.capability(cap, '=')
	if !ok {
		return "", false, nil
	}
	v, err := unescape(raw)
	if err != nil {
		return "", true, fmt.Errorf("%s:%d: %s=%q: %w", r.File, r.Line, cap, raw, err)
	}
	return v, true, nil
}

func unescape(s string) (string, error) {
	if !strings.ContainsAny(s, "\\^") {
		return s, nil
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '^':
			i++
			if i == len(s) {
				return "", errors.New("\"^\" at the end")
			}
			b.WriteByte(s[i] & 037)
		case '\\':
			i++
			if i == len(s) {
				return "", errors.New("\"\\\" at the end")
			}
			c = s[i]
			if c >= '0' && c <= '7' {
				v := 0
				for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
					v = v*8 + int(s[i]-'0')
					i++
				}
				i--
				b.WriteByte(byte(v))
				continue
			}
			switch c {
			case 'E', 'e':
				c = 033
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'c', 'C':
				c = ':'
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if bytes.IndexByte(b.Bytes(), 0) >= 0 {
		return "", errors.New("NUL byte")
	}
	return b.String(), nil
}
