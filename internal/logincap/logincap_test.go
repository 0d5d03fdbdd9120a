package logincap

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FreeBSD 14's stock login.conf, shortened (etc/login.conf).
const stock = `# login.conf
#
default:\
	:passwordtime=90d:\
	:passwd_format=sha512:\
	:copyright=/etc/COPYRIGHT:\
	:welcome=/var/run/motd:\
	:setenv=BLOCKSIZE=K:\
	:mail=/var/mail/$:\
	:path=/sbin /bin /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin ~/bin:\
	:nologin=/var/run/nologin:\
	:cputime=unlimited:\
	:datasize=unlimited:\
	:stacksize=unlimited:\
	:memorylocked=64K:\
	:memoryuse=unlimited:\
	:filesize=unlimited:\
	:coredumpsize=unlimited:\
	:openfiles=unlimited:\
	:maxproc=unlimited:\
	:sbsize=unlimited:\
	:vmemoryuse=unlimited:\
	:swapuse=unlimited:\
	:pseudoterminals=unlimited:\
	:kqueues=unlimited:\
	:umtxp=unlimited:\
	:priority=0:\
	:ignoretime@:\
	:umask=022:\
	:charset=UTF-8:\
	:lang=C.UTF-8:

standard:\
	:tc=default:
xuser:\
	:manpath=/usr/share/man /usr/local/man:\
	:cputime=4h:\
	:datasize=8M:\
	:vmemoryuse=100M:\
	:stacksize=2M:\
	:memorylocked=4M:\
	:memoryuse=8M:\
	:filesize=8M:\
	:coredumpsize=8M:\
	:openfiles=24:\
	:maxproc=32:\
	:priority=0:\
	:requirehome:\
	:passwordtime=90d:\
	:umask=002:\
	:ignoretime@:\
	:tc=default:
russian|Russian Users Accounts:\
	:charset=UTF-8:\
	:lang=ru_RU.UTF-8:\
	:tc=default:
`

func mustParse(t *testing.T, s string) *DB {
	t.Helper()
	db, err := Parse("/etc/login.conf", strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func mustClass(t *testing.T, db *DB, name string) Record {
	t.Helper()
	r, err := db.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func unlimited(int) (int64, int64, error) { return Infinity, Infinity, nil }

func TestParseStock(t *testing.T) {
	db := mustParse(t, stock)
	x := mustClass(t, db, "xuser")
	// Its own capabilities win over the tc= record's: umask 002, not 022.
	if v, ok, err := x.Num("umask"); err != nil || !ok || v != 002 {
		t.Errorf("xuser umask = %o, %v, %v", v, ok, err)
	}
	// What it lacks comes from tc=default.
	if v, ok, _ := x.Str("lang"); !ok || v != "C.UTF-8" {
		t.Errorf("xuser lang = %q, %v", v, ok)
	}
	if v, ok, err := x.Time("cputime"); err != nil || !ok || v != 4*3600 {
		t.Errorf("xuser cputime = %d, %v, %v", v, ok, err)
	}
	if v, ok, err := x.Size("datasize"); err != nil || !ok || v != 8<<20 {
		t.Errorf("xuser datasize = %d, %v, %v", v, ok, err)
	}
	if !x.Has("requirehome") || x.Has("ignoretime") || x.Has("nosuch") {
		t.Errorf("booleans: requirehome %v, ignoretime (cancelled) %v", x.Has("requirehome"), x.Has("ignoretime"))
	}
	// Any name of a record finds it.
	if r := mustClass(t, db, "Russian Users Accounts"); r.Line != 53 {
		t.Errorf("russian at line %d", r.Line)
	}
	if _, err := db.Lookup("nosuch"); !errors.Is(err, ErrNoClass) {
		t.Errorf("Lookup(nosuch) = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"a:x=1:\n b:y=2:\n":       "/etc/login.conf:2: white space before",
		"a:\\\n":                  "at the end of the file",
		"a:x=\x00:\n":             ":1: NUL",
		"|a:x:\n":                 ":1: a record with an empty name",
		"ok:\\\n\t:x:\n\n:bad:\n": ":4: a record with an empty name",
	} {
		if _, err := Parse("/etc/login.conf", strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
	db := mustParse(t, "a:tc=b:\nb:tc=a:\nc:tc=nosuch:\n")
	if _, err := db.Lookup("a"); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("tc= loop: %v", err)
	}
	if _, err := db.Lookup("c"); err == nil || !strings.Contains(err.Error(), "tc=nosuch") {
		t.Errorf("tc= to nothing: %v", err)
	}
	// Each record names the next twice: 2^31 capabilities, unless bounded.
	var bomb strings.Builder
	for i := 0; i < 31; i++ {
		fmt.Fprintf(&bomb, "r%d:x=1:tc=r%d:tc=r%d:\n", i, i+1, i+1)
	}
	bomb.WriteString("r31:x=1:\n")
	if _, err := mustParse(t, bomb.String()).Lookup("r0"); err == nil || !strings.Contains(err.Error(), "capabilities after tc=") {
		t.Errorf("tc= bomb: %v", err)
	}
	// The same with no capability at all: the tc= references count.
	bomb.Reset()
	for i := 0; i < 31; i++ {
		fmt.Fprintf(&bomb, "e%d:tc=e%d:tc=e%d:\n", i, i+1, i+1)
	}
	bomb.WriteString("e31:\n")
	if _, err := mustParse(t, bomb.String()).Lookup("e0"); err == nil || !strings.Contains(err.Error(), "after tc=") {
		t.Errorf("empty tc= bomb: %v", err)
	}
	if _, err := Parse("f", strings.NewReader(strings.Repeat("#\n", MaxFileSize))); err == nil {
		t.Error("a file over MaxFileSize was read")
	}
}

func TestValues(t *testing.T) {
	r := mustClass(t, mustParse(t, `c:s1=1g512m:s2=10b:t1=1h30m:t2=1y:n1=0x10:n2=010:n3#12:n4=inf:bad1=12q:bad2=-5:bad3=99999999999999999999t:e1=a\Eb^Ac\cd\101\\:n5@:n5=3:`), "c")
	for _, tc := range []struct {
		get  func(string) (int64, bool, error)
		cap  string
		want int64
	}{
		{r.Size, "s1", 1<<30 + 512<<20}, {r.Size, "s2", 5120}, {r.Time, "t1", 5400}, {r.Time, "t2", 365 * 86400},
		{r.Num, "n1", 16}, {r.Num, "n2", 8}, {r.Num, "n3", 12}, {r.Num, "n4", Infinity},
	} {
		if v, ok, err := tc.get(tc.cap); err != nil || !ok || v != tc.want {
			t.Errorf("%s = %d, %v, %v; want %d", tc.cap, v, ok, err, tc.want)
		}
	}
	for _, cap := range []string{"bad1", "bad2"} {
		if _, _, err := r.Num(cap); err == nil || !strings.Contains(err.Error(), cap) {
			t.Errorf("%s: %v", cap, err)
		}
	}
	if _, _, err := r.Size("bad3"); err == nil {
		t.Error("bad3: an overflowing size was read")
	}
	if v, _, err := r.Str("e1"); err != nil || v != "a\x1bb\x01c:dA\\" {
		t.Errorf("e1 = %q, %v", v, err)
	}
	if _, ok, _ := r.Num("n5"); ok {
		t.Error("n5@ before n5=3 does not cancel it")
	}
}

func TestPrivileges(t *testing.T) {
	db := mustParse(t, stock+"limited:openfiles=100:openfiles-cur=50:maxproc-max=20:priority=25:umask=inherit:label=biba/low:tc=default:\n"+
		"rt:priority=-25:umask=077:\ninh:priority=inherit:\nbadcur:openfiles-cur=200:openfiles-max=100:\n")
	current := func(res int) (int64, int64, error) { return 10, 30, nil }
	p, err := Privileges(mustClass(t, db, "limited"), current)
	if err != nil {
		t.Fatal(err)
	}
	limits := map[string]Limit{}
	for _, l := range p.Limits {
		limits[l.Name] = l
	}
	if l := limits["openfiles"]; l.Cur != 50 || l.Max != 100 || l.Resource != 8 {
		t.Errorf("openfiles = %+v, want 50/100 (openfiles, then openfiles-cur)", l)
	}
	// maxproc=unlimited (tc=default) sets both, maxproc-max lowers the
	// hard one, and the soft one follows it down as the kernel would.
	if l := limits["maxproc"]; l.Cur != 20 || l.Max != 20 {
		t.Errorf("maxproc = %+v, want 20/20", l)
	}
	if l := limits["memorylocked"]; l.Cur != 64<<10 || l.Max != 64<<10 {
		t.Errorf("memorylocked = %+v, want 64K from tc=default", l)
	}
	if p.Class != "limited" || p.Priority != (Sched{"idle", 4}) || p.Umask != nil || p.Label != "biba/low" {
		t.Errorf("limited = class %q, priority %+v, umask %v, label %q", p.Class, p.Priority, p.Umask, p.Label)
	}
	p, err = Privileges(mustClass(t, db, "rt"), current)
	if err != nil || p.Priority != (Sched{"realtime", 27}) || p.Umask == nil || *p.Umask != 077 || len(p.Limits) != 0 {
		t.Errorf("rt = %+v, %v", p, err)
	}
	if p, err = Privileges(mustClass(t, db, "inh"), current); err != nil || p.Priority.Kind != "" {
		t.Errorf("priority=inherit = %+v, %v", p.Priority, err)
	}
	// No priority named: LOGIN_DEFPRI, 0.
	if p, err = Privileges(Record{Name: "default"}, current); err != nil || p.Priority != (Sched{"nice", 0}) {
		t.Errorf("empty class = %+v, %v", p, err)
	}
	if p, err = Privileges(mustClass(t, db, "badcur"), current); err != nil || p.Limits[0].Cur != 100 {
		t.Errorf("cur above max: %+v, %v", p.Limits, err)
	}
	bad := mustClass(t, mustParse(t, "bad:openfiles=lots:\n"), "bad")
	if _, err = Privileges(bad, current); err == nil || !strings.Contains(err.Error(), "openfiles=lots") {
		t.Errorf("a bad value: %v", err)
	}
}

// The login-class merge: what the session gets is the host's privileged
// items and the jail's environment; the jail's limits, priority, umask,
// label and class never count, lower or higher.
func TestMergeHostPrivilegedWins(t *testing.T) {
	host := mustClass(t, mustParse(t, stock), "xuser")
	jail := mustClass(t, mustParse(t, "xuser:openfiles=100000:maxproc=1:priority=-25:umask=000:label=biba/high:"+
		"path=/usr/local/bin /usr/bin ~/bin:setenv=EDITOR=vi,GREETING='hello, $':lang=de_DE.UTF-8:term=vt100:\n"), "xuser")
	s, err := Merge(host, jail, "alice", "/home/alice", 2001, unlimited)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Privileges(host, unlimited)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Privileged, want) {
		t.Errorf("privileged items = %+v, want the host's %+v", s.Privileged, want)
	}
	for _, l := range s.Limits {
		if l.Name == "openfiles" && (l.Cur != 24 || l.Max != 24) {
			t.Errorf("openfiles = %+v, want the host's 24", l)
		}
	}
	if s.Umask == nil || *s.Umask != 002 || s.Priority != (Sched{"nice", 0}) || s.Label != "" {
		t.Errorf("umask %v, priority %+v, label %q: want the host's 002, 0, none", s.Umask, s.Priority, s.Label)
	}
	env := Apply([]string{"TERM=xterm", "PATH=/bin", "HOME=/home/alice"}, s.Env)
	wantEnv := []string{"TERM=xterm", "PATH=/usr/local/bin:/usr/bin:/home/alice/bin", "HOME=/home/alice",
		"LANG=de_DE.UTF-8", "EDITOR=vi", "GREETING=hello, alice"}
	if !reflect.DeepEqual(env, wantEnv) {
		t.Errorf("environment = %q, want %q", env, wantEnv)
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	for uid, want := range map[uint32]string{2001: defPath, 0: stdPath} {
		vars, err := Environment(Record{Name: "default"}, "u", "/home/u", uid)
		if err != nil || len(vars) != 1 || vars[0] != (Var{"PATH", want, false}) {
			t.Errorf("uid %d: %+v, %v", uid, vars, err)
		}
	}
	if got := subst(`~/x:~:\~:\$:$`, "bob", "/home/bob"); got != "/home/bob/x:/home/bob/:~:$:bob" {
		t.Errorf("subst = %q", got)
	}
}

func TestClass(t *testing.T) {
	db := mustParse(t, stock)
	if n := ClassName("", 0); n != RootClass {
		t.Errorf("ClassName(\"\", 0) = %q", n)
	}
	if n := ClassName("", 2001); n != DefaultClass {
		t.Errorf("ClassName(\"\", 2001) = %q", n)
	}
	r, notice, err := Class(db, "nosuch")
	if err != nil || r.Name != DefaultClass || !strings.Contains(notice, "nosuch") {
		t.Errorf("unknown class: %+v, %q, %v", r, notice, err)
	}
	r, notice, err = Class(nil, "staff")
	if err != nil || r.Name != "staff" || notice != "" {
		t.Errorf("no login.conf: %+v, %q, %v", r, notice, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{stock, "a|b:x=1:y#2:z@:tc=c:\nc:w=\\E^A\\101:\n", "a:\\\n", "a:tc=a:\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		db, err := Parse("f", strings.NewReader(string(in)))
		if err != nil {
			return
		}
		for _, rec := range db.records {
			for _, n := range rec.names {
				r, err := db.Lookup(n)
				if err != nil {
					continue
				}
				for _, f := range r.caps {
					if strings.Contains(f, ":") {
						t.Fatalf("a capability with a colon: %q", f)
					}
				}
				p, err := Privileges(r, unlimited)
				if err == nil {
					for _, l := range p.Limits {
						if l.Cur > l.Max || l.Cur < 0 {
							t.Fatalf("limit %+v", l)
						}
					}
				}
				Environment(r, "u", "/h", 1)
			}
		}
	})
}

// A 1 MiB login.conf of tiny records, the class at its end naming the
// last record over and over: bounded work, whatever the jail wrote.
func BenchmarkLookupLargeFile(b *testing.B) {
	var f strings.Builder
	n := 0
	for f.Len() < MaxFileSize-200000 {
		fmt.Fprintf(&f, "r%d:x:\n", n)
		n++
	}
	f.WriteString("c:" + strings.Repeat(fmt.Sprintf("tc=r%d:", n-1), 5000) + "\n")
	db, err := Parse("f", strings.NewReader(f.String()))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Lookup("c"); err != nil {
			b.Fatal(err)
		}
	}
}
