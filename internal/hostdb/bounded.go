package hostdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/userdb"
)

// A lookup through NSS may block for as long as a backend wants: nslcd
// waits for a hung LDAP server for tens of seconds, a wedged nslcd forever.
// Inside sshd (pam_jailme) a thread left blocked in NSS would hold NSS's
// locks when sshd forks the session, and the child would deadlock on its
// first lookup; a thread cannot be cancelled safely in the middle of libc.
// So the bounded lookup runs in a short-lived helper process, jailsh in its
// root-only --host-lookup form (HelperArg), which answers on a pipe and is
// killed at the deadline. Only the helper ever blocks in NSS; the caller
// waits on its pipe with poll(2) and never on libc.

// HelperArg is jailsh's first argument for the helper form.
const HelperArg = "--host-lookup"

// DefaultTimeout is the deadline when the configuration sets none.
const DefaultTimeout = 5 * time.Second

// ErrUnavailable is wrapped in the error for a lookup the name service
// could not answer: an outage, not a missing user.
var ErrUnavailable = errors.New("name service unavailable")

// ErrTimeout is wrapped in the error for a lookup that missed its deadline.
var ErrTimeout = errors.New("the directory did not answer")

// maxAnswer caps what is read from the helper: a user and the names of at
// most maxGroups groups.
const maxAnswer = 8 << 20

// Key is whom to look up: a uid (jailsh's caller) or a name (PAM_USER).
type Key struct {
	ByName bool
	Name   string
	UID    uint32
}

func (k Key) String() string {
	if k.ByName {
		return fmt.Sprintf("user %q", k.Name)
	}
	return fmt.Sprintf("uid %d", k.UID)
}

// Answer is a lookup's result: the user and their groups, or the error.
// User is set when only the groups failed, so a refusal can still name the
// user, and pam_jailme can tell a host user it never jails (a files user
// whose groups the directory cannot answer) from one it must refuse.
type Answer struct {
	User *userdb.User
	// Owner is, for a lookup by name, the entry getpwuid gives for the
	// user's uid when its name is another: the uid's first name, whom
	// jailsh (which looks up by uid) would take the caller for.
	Owner  *userdb.User
	Groups []userdb.Group
	// Tries counts the libc calls made, ERANGE retries included: the
	// fleet suite checks that a big group costs one.
	Tries int
}

// Lookup asks NSS in this process, without a deadline: the helper's own
// work. stage is called after the user and after the groups, so the
// helper can answer the user before the groups are known; it returns
// false after the user when the groups are not wanted.
func Lookup(k Key, stage func(reply) bool) {
	start := tries
	var u *userdb.User
	var err error
	if k.ByName {
		u, err = ByName(k.Name)
	} else {
		u, err = ByUID(k.UID)
	}
	if err != nil {
		stage(errReply(err, tries-start))
		return
	}
	if !stage(reply{User: u, Owner: owner(k, u)}) {
		return
	}
	gs, err := Groups(u)
	if err != nil {
		stage(errReply(fmt.Errorf("groups of %s: %w", u.Name, err), tries-start))
		return
	}
	stage(reply{Groups: gs, Done: true, Tries: tries - start})
}

// owner is the uid's first entry when a lookup by name found another name
// for it (a second passwd line, a directory entry with a files user's
// uid): a uid is jailed under every name (issue 21). An error leaves it
// unknown: the name's own entry then decides, as before.
func owner(k Key, u *userdb.User) *userdb.User {
	if !k.ByName {
		return nil
	}
	o, err := ByUID(u.UID)
	if err != nil || o.Name == u.Name {
		return nil
	}
	return o
}

// reply is one line from the helper: first the user (or the error), then
// the groups (or the error).
type reply struct {
	User   *userdb.User   `json:"user,omitempty"`
	Owner  *userdb.User   `json:"owner,omitempty"`
	Groups []userdb.Group `json:"groups,omitempty"`
	Done   bool           `json:"done,omitempty"`
	Kind   string         `json:"kind,omitempty"` // "notfound", "unavailable", "error"
	Err    string         `json:"err,omitempty"`
	Tries  int            `json:"tries,omitempty"`
}

func errReply(err error, n int) reply {
	r := reply{Err: err.Error(), Kind: "error", Tries: n}
	switch {
	case errors.Is(err, ErrNotFound):
		r.Kind = "notfound"
	case errors.Is(err, ErrUnavailable):
		r.Kind = "unavailable"
	}
	return r
}

// error is the reply's error, wrapping ErrNotFound or ErrUnavailable as
// the helper classified it; nil when there is none.
func (r *reply) error() error {
	switch r.Kind {
	case "":
		return nil
	case "notfound":
		return &answerErr{r.Err, ErrNotFound}
	case "unavailable":
		return &answerErr{r.Err, ErrUnavailable}
	}
	return errors.New(r.Err)
}

// answerErr carries the helper's message and the sentinel it wrapped.
type answerErr struct {
	msg  string
	kind error
}

func (e *answerErr) Error() string { return e.msg }
func (e *answerErr) Unwrap() error { return e.kind }

// Serve is the helper: args are what follows HelperArg ("uid N" or
// "name NAME"); each stage of the answer goes to w as one JSON line, the
// user before the groups. The caller (jailsh's main) has checked that it
// runs with real and effective uid 0.
func Serve(args []string, w io.Writer) int {
	k, err := parseKey(args)
	if err != nil {
		fmt.Fprintf(w, "%s\n", err)
		return 2
	}
	enc := json.NewEncoder(w)
	rc := 0
	Lookup(k, func(r reply) bool {
		if err := enc.Encode(r); err != nil {
			rc = 1
		}
		return true
	})
	return rc
}

func parseKey(args []string) (Key, error) {
	if len(args) == 2 {
		switch args[0] {
		case "name":
			return Key{ByName: true, Name: args[1]}, nil
		case "uid":
			if n, err := strconv.ParseUint(args[1], 10, 32); err == nil {
				return Key{UID: uint32(n)}, nil
			}
		}
	}
	return Key{}, fmt.Errorf("usage: jailsh %s uid UID | name NAME", HelperArg)
}

// Bounded looks users up through the helper at Path within Timeout.
type Bounded struct {
	Path    string // the helper executable (jailsh)
	Timeout time.Duration
	// UserSuffices, when set, is asked about the user as soon as the
	// helper names them: true means their groups are not needed (uid 0
	// for pam_jailme), and Lookup returns at once with ErrNotAsked
	// rather than wait for a directory that may not answer.
	UserSuffices func(*userdb.User) bool
}

// ErrNotAsked is wrapped in the error when the groups were not waited
// for because the user alone sufficed (Bounded.UserSuffices).
var ErrNotAsked = errors.New("groups not needed, not waited for")

// ErrNoHelper is wrapped in the error when the helper cannot be started
// or gives no readable first answer (not installed, not jailsh): pam_jailme
// then looks up in-process rather than lock everyone out, root included.
// A helper that is still silent at the deadline is ErrTimeout instead.
var ErrNoHelper = errors.New("lookup helper cannot be started")

// Lookup runs the helper for k. The error says which of the deadline, the
// helper or the name service failed; the answer's User is kept when only
// the groups could not be had.
func (b Bounded) Lookup(k Key) (Answer, error) {
	t := b.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	if localOnly(nsswitchFile) {
		return b.Here(k)
	}
	arg := strconv.FormatUint(uint64(k.UID), 10)
	kind := "uid"
	if k.ByName {
		kind, arg = "name", k.Name
	}
	out, runErr := runHelper(b.Path, []string{"jailsh", HelperArg, kind, arg}, t, b.suffices)
	if errors.Is(runErr, ErrNoHelper) {
		return Answer{}, runErr
	}
	// What arrived before the deadline still counts: the user alone
	// names the refusal.
	var a Answer
	dec := json.NewDecoder(bytes.NewReader(out))
	var r reply
	if dec.Decode(&r) != nil {
		if errors.Is(runErr, ErrTimeout) {
			return a, runErr
		}
		// Not jailsh at that path, or it died before a word: no
		// deadline can be had from it.
		if runErr == nil {
			runErr = fmt.Errorf("unreadable answer %.80q", out)
		}
		return a, fmt.Errorf("%w: %s: %v", ErrNoHelper, b.Path, runErr)
	}
	if err := r.error(); err != nil {
		return a, err
	}
	a.User, a.Owner = r.User, r.Owner
	if a.User == nil {
		return a, fmt.Errorf("lookup helper %s: answer without a user", b.Path)
	}
	r = reply{}
	if dec.Decode(&r) != nil {
		if runErr == nil && b.UserSuffices != nil && b.UserSuffices(a.User) {
			return a, fmt.Errorf("groups of %s: %w", a.User.Name, ErrNotAsked)
		}
		if runErr == nil {
			runErr = fmt.Errorf("lookup helper %s: unreadable answer %.80q", b.Path, out)
		}
		return a, fmt.Errorf("groups of %s: %w", a.User.Name, runErr)
	}
	a.Tries = r.Tries
	if err := r.error(); err != nil {
		return a, err
	}
	if !r.Done {
		return a, fmt.Errorf("lookup helper %s: incomplete answer", b.Path)
	}
	a.Groups = r.Groups
	return a, nil
}

// suffices reports whether out holds the user's line and the user alone
// is enough (UserSuffices).
func (b Bounded) suffices(out []byte) bool {
	line, _, complete := bytes.Cut(out, []byte{'\n'})
	if b.UserSuffices == nil || !complete {
		return false
	}
	var r reply
	return json.Unmarshal(line, &r) == nil && r.User != nil && b.UserSuffices(r.User)
}

// timeoutErr is the deadline's refusal, in whole seconds when it is one.
func timeoutErr(t time.Duration) error {
	s := t.String()
	if t%time.Second == 0 {
		s = fmt.Sprintf("%ds", int(t/time.Second))
	}
	return fmt.Errorf("%w within %s", ErrTimeout, s)
}

// Here is Lookup in this process, without a deadline, as Lookup answers:
// for a name service that is local only, and for pam_jailme when the
// helper cannot be run (ErrNoHelper: not installed, no process or fd
// left). The groups of a user UserSuffices accepts are not asked for here
// either: in-process, a hung directory held root's login for as long as
// it did not answer.
func (b Bounded) Here(k Key) (Answer, error) {
	var a Answer
	var err error
	Lookup(k, func(r reply) bool {
		if r.User != nil {
			a.User, a.Owner = r.User, r.Owner
		}
		a.Groups, a.Tries = r.Groups, r.Tries
		if e := r.error(); e != nil {
			err = e
		}
		if r.User != nil && b.UserSuffices != nil && b.UserSuffices(r.User) {
			err = fmt.Errorf("groups of %s: %w", r.User.Name, ErrNotAsked)
			return false
		}
		return true
	})
	return a, err
}

// readSmall reads a file of at most max bytes through a blocking fd:
// os.ReadFile would start Go's netpoller and leave its epoll fd and
// eventfd in the host process (sshd, login, su: pam_jailme).
func readSmall(file string, max int) ([]byte, error) {
	fd, err := unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var data []byte
	buf := make([]byte, 8192)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return data, nil
		}
		if data = append(data, buf[:n]...); len(data) > max {
			return nil, fmt.Errorf("%s: larger than %d bytes", file, max)
		}
	}
}

// nsswitchFile is the host's NSS configuration; tests point it elsewhere.
var nsswitchFile = "/etc/nsswitch.conf"

// localSources answer from this machine and cannot wait on a server:
// files, and systemd (nss-systemd asks the local userdb over varlink,
// with its own timeout). Debian's default is "files systemd", and the
// helper's fork and exec (a few ms per login) would buy nothing there.
// "compat" (FreeBSD's default, "passwd: compat") is local too while the
// database it reads has no NIS "+"/"-" line: only those send it to
// passwd_compat/group_compat, NIS by default (getpwent.c, compat_*).
var localSources = map[string]bool{"files": true, "systemd": true}

// compatFiles are what a "compat" source reads, by database; pwd_mkdb
// writes /etc/passwd from master.passwd with the same "+" lines, and both
// are readable by anyone. Variables for tests.
var compatFiles = map[string]string{"passwd": "/etc/passwd", "group": "/etc/group", "initgroups": "/etc/group"}

// compatLocal reports whether db's compat source stays on this machine:
// its file readable, without a line that starts with "+" or "-".
func compatLocal(db string) bool {
	data, err := readSmall(compatFiles[db], 64<<20)
	if err != nil {
		return false
	}
	// No copy and no split: this runs on every login, inside sshd.
	nis := len(data) > 0 && (data[0] == '+' || data[0] == '-')
	return !nis && !bytes.Contains(data, []byte("\n+")) && !bytes.Contains(data, []byte("\n-"))
}

// localOnly reports whether the passwd, group and initgroups lines of
// nsswitch.conf name local sources only; when the file cannot be read or
// a line is missing (glibc then uses defaults that may include nis), the
// helper is used.
func localOnly(file string) bool {
	data, err := readSmall(file, 1<<20)
	if err != nil {
		return false
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		db, rest, ok := strings.Cut(l, ":")
		db = strings.TrimSpace(db)
		if !ok || db != "passwd" && db != "group" && db != "initgroups" {
			continue
		}
		seen[db] = true
		for _, w := range strings.Fields(rest) {
			if strings.HasPrefix(w, "[") || strings.HasSuffix(w, "]") || strings.Contains(w, "=") {
				continue // an [action]
			}
			if !localSources[w] && !(w == "compat" && compatLocal(db)) {
				return false
			}
		}
	}
	return seen["passwd"] && seen["group"]
}
