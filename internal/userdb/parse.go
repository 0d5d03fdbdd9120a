package userdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"unsafe"
)

// ParsePasswd parses passwd(5) lines, name:pw:uid:gid:gecos:home:shell,
// and returns the entries keep accepts (all when keep is nil), in file order.
//
// keep is called for every entry; the strings in *u alias the read buffer
// and are valid only during the call: keep decides, it must not retain u or
// its strings. Entries keep rejects cost no allocation, so 100k-line jail
// files stay cheap.
//
// Blank lines and "#" comments are skipped; NIS compat lines ("+", "-") are
// skipped and reported as Notices. Anything malformed is an error
// "FILE:LINE: why": we do not guess what the jail's libc would make of it.
func ParsePasswd(file string, r io.Reader, keep func(u *User) bool) ([]User, []Notice, error) {
	return parseUsers(file, r, keep, passwdLayout)
}

// ParseMasterPasswd parses FreeBSD's master.passwd(5), the file pwd_mkdb
// builds the databases the jail's libc reads from: ten fields,
// name:pw:uid:gid:class:change:expire:gecos:home:shell (lib/libc/gen/pw_scan.c).
// The login class is kept in User.Class; change and expire must be empty
// or decimal (pw_scan reads them with atol, which takes anything: we do not
// guess what it made of the rest); the rest is as for ParsePasswd.
func ParseMasterPasswd(file string, r io.Reader, keep func(u *User) bool) ([]User, []Notice, error) {
	return parseUsers(file, r, keep, masterLayout)
}

// layout is where each field we use sits in a line of n fields; class,
// change and expire are -1 where the format has none.
type layout struct {
	n, uid, gid, class, change, expire, gecos, home, shell int
}

var (
	passwdLayout = layout{n: 7, uid: 2, gid: 3, class: -1, change: -1, expire: -1, gecos: 4, home: 5, shell: 6}
	masterLayout = layout{n: 10, uid: 2, gid: 3, class: 4, change: 5, expire: 6, gecos: 7, home: 8, shell: 9}
)

func parseUsers(file string, r io.Reader, keep func(u *User) bool, l layout) ([]User, []Notice, error) {
	lr := newLineReader(file, r)
	var (
		users   []User
		notices noticeList
		fields  [10][]byte
		tmp     User // reused: a fresh &u per line would escape to the heap
	)
	f := fields[:l.n]
	for {
		line, err := lr.next()
		if err == io.EOF {
			return users, notices.done(), nil
		}
		if err != nil {
			return nil, nil, err
		}
		switch classify(line) {
		case lineSkip:
			continue
		case lineNIS:
			notices.add(lr, line)
			continue
		case lineIndented:
			return nil, nil, lr.errorf("leading white space")
		}
		if n := split(line, f); n != len(f) {
			return nil, nil, lr.errorf("%d fields, want %d", n, len(f))
		}
		if len(f[0]) == 0 {
			return nil, nil, lr.errorf("empty name")
		}
		if err := lr.texts("name", f[0], "home", f[l.home], "shell", f[l.shell]); err != nil {
			return nil, nil, err
		}
		uid, err := lr.id("uid", f[l.uid])
		if err != nil {
			return nil, nil, err
		}
		gid, err := lr.id("gid", f[l.gid])
		if err != nil {
			return nil, nil, err
		}
		var class []byte
		if l.class >= 0 {
			class = f[l.class]
			if err := lr.texts("class", class, "", nil, "", nil); err != nil {
				return nil, nil, err
			}
			if err := lr.seconds("change", f[l.change]); err != nil {
				return nil, nil, err
			}
			if err := lr.seconds("expire", f[l.expire]); err != nil {
				return nil, nil, err
			}
		}
		tmp = User{Name: view(f[0]), UID: uid, GID: gid, Class: view(class),
			Gecos: view(f[l.gecos]), Home: view(f[l.home]), Shell: view(f[l.shell]), Line: lr.n}
		if keep != nil && !keep(&tmp) {
			continue
		}
		users = append(users, User{Name: string(f[0]), UID: uid, GID: gid, Class: string(class),
			Gecos: string(f[l.gecos]), Home: string(f[l.home]), Shell: string(f[l.shell]), Line: lr.n})
	}
}

// seconds checks a master.passwd time field: empty, or decimal digits (a
// time_t, as pw_scan reads it; we do not use its value).
func (lr *lineReader) seconds(what string, b []byte) error {
	if len(b) > 20 {
		return lr.errorf("%s %s: out of range", what, quote(b))
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return lr.errorf("%s %s: not a decimal number", what, quote(b))
		}
	}
	return nil
}

// ParseGroup parses group(5) lines, name:pw:gid:member,member,...; keep
// works as for ParsePasswd (*g and its Members alias the read buffer).
//
// An empty member list is fine; one trailing comma ("a,b,") is tolerated,
// as hand-edited files have them; any other empty member ("a,,b", ",a") is
// an error.
func ParseGroup(file string, r io.Reader, keep func(g *Group) bool) ([]Group, []Notice, error) {
	lr := newLineReader(file, r)
	var (
		groups  []Group
		notices noticeList
		f       [4][]byte
		tmp     Group
		members = make([]string, 0, 16) // views, reused from line to line
		total   int                     // member names so far, ≤ MaxGroupMembers
	)
	for {
		line, err := lr.next()
		if err == io.EOF {
			return groups, notices.done(), nil
		}
		if err != nil {
			return nil, nil, err
		}
		switch classify(line) {
		case lineSkip:
			continue
		case lineNIS:
			notices.add(lr, line)
			continue
		case lineIndented:
			return nil, nil, lr.errorf("leading white space")
		}
		if n := split(line, f[:]); n != len(f) {
			return nil, nil, lr.errorf("%d fields, want %d", n, len(f))
		}
		if len(f[0]) == 0 {
			return nil, nil, lr.errorf("empty name")
		}
		if err := lr.texts("name", f[0], "members", f[3], "", nil); err != nil {
			return nil, nil, err
		}
		gid, err := lr.id("gid", f[2])
		if err != nil {
			return nil, nil, err
		}
		members, err = lr.members(f[3], members[:0], view, MaxGroupMembers-total)
		if err != nil {
			return nil, nil, err
		}
		total += len(members)
		tmp = Group{Name: view(f[0]), GID: gid, Members: members, Line: lr.n}
		if keep != nil && !keep(&tmp) {
			continue
		}
		var kept []string
		if len(members) > 0 {
			kept, _ = lr.members(f[3], make([]string, 0, len(members)), bstring, len(members))
		}
		groups = append(groups, Group{Name: string(f[0]), GID: gid, Members: kept, Line: lr.n})
	}
}

// lineReader yields lines and counts them for "FILE:LINE:" errors. It
// streams through one 64 KiB buffer: a 100k-line file read whole and then
// parsed is slower, as it no longer fits in the CPU caches. A longer line
// (a big group's member list) is gathered in long; capReader bounds it by
// MaxFileSize.
type lineReader struct {
	file string
	br   *bufio.Reader
	n    int
	long []byte
}

func newLineReader(file string, r io.Reader) *lineReader {
	return &lineReader{file: file, br: bufio.NewReaderSize(&capReader{r: r}, bufSize)}
}

const bufSize = 64 << 10

// next returns the next line without its newline, or io.EOF.
func (lr *lineReader) next() ([]byte, error) {
	line, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// One line longer than the buffer must not refuse every user of
		// the jail: such a line is as valid as any other.
		lr.long = append(lr.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = lr.br.ReadSlice('\n')
			// Doubling: append grows a large slice by a quarter, which
			// copied a 32 MiB line 160 MB worth.
			if cap(lr.long)-len(lr.long) < len(line) {
				lr.long = slices.Grow(lr.long, max(len(line), len(lr.long)))
			}
			lr.long = append(lr.long, line...)
		}
		line = lr.long
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	lr.n++
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: read: %w", lr.file, err)
	}
	if line[len(line)-1] == '\n' {
		line = line[:len(line)-1]
	}
	// A NUL would cut a name short for any C code that sees it later.
	if bytes.IndexByte(line, 0) >= 0 {
		return nil, lr.errorf("NUL byte")
	}
	return line, nil
}

// text refuses control characters in a field we use: a CR from a CRLF
// file would make the shell "/bin/sh\r", and a name or home with an escape
// sequence would reach the user's terminal and the log. C1 controls
// (U+0080-U+009F in UTF-8; U+009B is CSI) too: an account named with one
// reached root's terminal through jailsh -n and --audit, which print the
// jail's names as they are. Other bytes >= 0x80 stay (UTF-8, legacy
// encodings).
func (lr *lineReader) text(what string, b []byte) error {
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			if c == '\r' && i == len(b)-1 {
				return lr.errorf("%s %s: carriage return (CRLF line ending?)", what, quote(b))
			}
			return lr.errorf("%s %s: control character", what, quote(b))
		}
		if c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return lr.errorf("%s %s: control character", what, quote(b))
		}
	}
	return nil
}

// texts runs text on up to three named fields.
func (lr *lineReader) texts(w1 string, b1 []byte, w2 string, b2 []byte, w3 string, b3 []byte) error {
	if err := lr.text(w1, b1); err != nil {
		return err
	}
	if err := lr.text(w2, b2); err != nil {
		return err
	}
	return lr.text(w3, b3)
}

// capReader fails once more than MaxFileSize bytes came through: a file in
// a jail can grow while we read it.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n > MaxFileSize {
		return 0, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	if rest := MaxFileSize + 1 - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", lr.file, lr.n, fmt.Sprintf(format, args...))
}

// noticeList keeps the first MaxNotices notices of a file and counts the
// rest: the jail's root writes the file, and 32 MiB of "+" lines were 16M
// notices, 5 GB allocated and as many syslog lines for every login.
type noticeList struct {
	list       []Notice
	more, last int // notices past the cap, and the line of the last
}

func (nl *noticeList) add(lr *lineReader, line []byte) {
	if len(nl.list) < MaxNotices {
		nl.list = append(nl.list, Notice{File: lr.file, Line: lr.n,
			Text: "NIS compat entry " + quote(line) + " skipped: only local entries are read"})
		return
	}
	nl.more++
	nl.last = lr.n
}

// done is the notices kept, and one that counts the others.
func (nl *noticeList) done() []Notice {
	if nl.more == 0 {
		return nl.list
	}
	return append(nl.list, Notice{File: nl.list[0].File, Line: nl.last,
		Text: fmt.Sprintf("%d more NIS compat entries skipped, the last on this line", nl.more)})
}

// id parses a uid or gid strictly: decimal digits, no sign, no leading
// zero, at most 4294967294. 4294967295 is (uid_t)-1, which setresuid and
// setresgid read as "leave unchanged": a jail entry with it must never
// become a credential.
func (lr *lineReader) id(what string, b []byte) (uint32, error) {
	if len(b) == 0 {
		return 0, lr.errorf("%s \"\": empty", what)
	}
	if len(b) > 1 && b[0] == '0' {
		return 0, lr.errorf("%s %s: leading zero", what, quote(b))
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, lr.errorf("%s %s: not a decimal number", what, quote(b))
		}
		v = v*10 + uint64(c-'0')
		if v > 1<<32-1 {
			return 0, lr.errorf("%s %s: out of range", what, quote(b))
		}
	}
	if v == 1<<32-1 {
		return 0, lr.errorf("%s %s: reserved value (-1)", what, quote(b))
	}
	return uint32(v), nil
}

// members splits a comma-separated member list into dst, converting each
// name with conv.
func (lr *lineReader) members(b []byte, dst []string, conv func([]byte) string, limit int) ([]string, error) {
	if len(b) == 0 {
		return dst, nil
	}
	// Each name costs a string header (16 bytes) per copy: a 32 MiB
	// "a,a,a,..." line made 16M of them, 2 GB and 13 s per login. Counted
	// before anything is allocated, then room for exactly that many.
	n := bytes.Count(b, []byte{','}) + 1
	if b[len(b)-1] == ',' {
		n-- // one trailing comma
	}
	if n > limit {
		return nil, lr.errorf("more than %d group members in the file", MaxGroupMembers)
	}
	dst = slices.Grow(dst, n)
	for {
		i := index(b, ',')
		if i < 0 {
			if len(b) == 0 {
				return dst, nil // one trailing comma
			}
			return append(dst, conv(b)), nil
		}
		if i == 0 {
			return nil, lr.errorf("empty member name")
		}
		dst = append(dst, conv(b[:i]))
		b = b[i+1:]
	}
}

type lineKind int

const (
	lineEntry    lineKind = iota
	lineSkip              // blank or comment
	lineNIS               // "+..." or "-..."
	lineIndented          // white space, then an entry
)

func classify(line []byte) lineKind {
	if len(line) == 0 {
		return lineSkip
	}
	switch line[0] {
	case '#':
		return lineSkip
	case '+', '-':
		return lineNIS
	case ' ', '\t':
		rest := bytes.TrimLeft(line, " \t")
		if len(rest) == 0 || rest[0] == '#' {
			return lineSkip
		}
		// glibc strips it, other libcs may not: refuse to guess.
		return lineIndented
	}
	return lineEntry
}

// split cuts line at ':' into f and returns the number of fields found,
// which may exceed len(f).
func split(line []byte, f [][]byte) int {
	n := 0
	for {
		i := index(line, ':')
		if i < 0 {
			if n < len(f) {
				f[n] = line
			}
			return n + 1
		}
		if n < len(f) {
			f[n] = line[:i]
		}
		n++
		line = line[i+1:]
	}
}

// index is bytes.IndexByte(b, c) for short fields, 8 bytes a step: per
// field, the call into bytes.IndexByte cost more than the search, which
// made it half the time of parsing a 100k-line file. A byte of
// x = word ^ (c repeated) is zero where b has c; (x-0x01..)&^x&0x80..
// marks zero bytes, exactly for the lowest one (borrows only run upward),
// and the lowest byte is the first in little-endian order.
func index(b []byte, c byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	pattern := ones * uint64(c)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ pattern
		if m := (x - ones) &^ x & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// view returns a string sharing b's memory, without copying. It is only
// handed to keep, for the duration of the call, while the read buffer is
// not reused; kept entries are copied with bstring.
func view(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func bstring(b []byte) string { return string(b) }

// quote quotes a field for an error message, short enough for one log line.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}
