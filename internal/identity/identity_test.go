package identity

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/userdb"
)

// alice as the host sees her: uid 2001, primary group alice (2001), member of devs (3000).
func hostAlice() Host {
	return Host{
		User: userdb.User{Name: "alice", UID: 2001, GID: 2001, Home: "/home/alice", Shell: "/usr/local/sbin/jailsh"},
		Groups: []userdb.Group{
			{Name: "alice", GID: 2001},
			{Name: "devs", GID: 3000},
		},
	}
}

// the jail agreeing with hostAlice.
func jailAlice() *userdb.JailDB {
	return &userdb.JailDB{
		PasswdFile: "/etc/passwd",
		GroupFile:  "/etc/group",
		User:       &userdb.User{Name: "alice", UID: 2001, GID: 2001, Home: "/home/alice", Shell: "/bin/sh", Line: 3},
		Groups: []userdb.Group{
			{Name: "alice", GID: 2001, Line: 4},
			{Name: "devs", GID: 3000, Members: []string{"bob", "alice"}, Line: 5},
		},
	}
}

func TestAllowed(t *testing.T) {
	v := Check(hostAlice(), jailAlice(), Policy{Strict: true})
	if !v.Allowed() {
		t.Fatalf("denied: %v", v.Denials)
	}
	want := Cred{Name: "alice", UID: 2001, GID: 2001, Groups: []uint32{2001, 3000}, Home: "/home/alice", Shell: "/bin/sh"}
	if !reflect.DeepEqual(v.Cred, want) {
		t.Fatalf("cred = %+v, want %+v", v.Cred, want)
	}
}

func TestDenials(t *testing.T) {
	tests := []struct {
		name   string
		host   func(*Host)
		jail   func(*userdb.JailDB)
		subset bool // groups = subset instead of strict
		code   Code
		msg    string // substring of the denial's message
	}{
		{
			name: "missing user",
			jail: func(j *userdb.JailDB) { j.User = nil },
			code: MissingUser, msg: "user alice does not exist in the jail (/etc/passwd)",
		},
		{
			name: "uid mismatch",
			jail: func(j *userdb.JailDB) { j.User.UID = 2002 },
			code: UIDMismatch, msg: "/etc/passwd:3: alice has uid 2002 in the jail but 2001 on the host",
		},
		{
			name: "uid alias",
			jail: func(j *userdb.JailDB) {
				j.Aliases = []userdb.User{{Name: "toor", UID: 2001, GID: 0, Line: 9}}
			},
			code: UIDAlias, msg: "/etc/passwd:9: jail account toor has uid 2001 too (an alias of alice)",
		},
		{
			name: "primary gid mismatch",
			jail: func(j *userdb.JailDB) { j.User.GID = 3000 },
			code: GIDMismatch, msg: "/etc/passwd:3: alice has primary gid 3000 in the jail but 2001 on the host",
		},
		{
			name: "group name mismatch",
			jail: func(j *userdb.JailDB) { j.Groups[1].Name = "admins" },
			code: GroupNameMismatch, msg: `/etc/group:5: gid 3000 is group "admins" in the jail but "devs" on the host`,
		},
		{
			name: "extra group granted by the jail",
			jail: func(j *userdb.JailDB) {
				j.Groups = append(j.Groups, userdb.Group{Name: "docker", GID: 999, Members: []string{"alice"}, Line: 12})
			},
			code: ExtraGroup, msg: `/etc/group:12: the jail makes alice a member of group "docker" (gid 999) but the host does not`,
		},
		{
			name:   "extra group denied under subset too",
			subset: true,
			jail: func(j *userdb.JailDB) {
				j.Groups = append(j.Groups, userdb.Group{Name: "wheel", GID: 10, Members: []string{"alice"}, Line: 2})
			},
			code: ExtraGroup, msg: `group "wheel" (gid 10)`,
		},
		{
			name: "host group missing in the jail (strict)",
			jail: func(j *userdb.JailDB) { j.Groups[1].Members = []string{"bob"} },
			code: MissingGroup, msg: `host group "devs" (gid 3000) is not granted to alice in the jail's /etc/group`,
		},
		{
			name: "primary group without entry (strict)",
			jail: func(j *userdb.JailDB) { j.Groups = j.Groups[1:] },
			code: MissingGroup, msg: `primary group "alice" (gid 2001) has no entry in the jail's /etc/group`,
		},
		{
			name: "root uid",
			host: func(h *Host) { h.User.UID = 0 },
			jail: func(j *userdb.JailDB) { j.User.UID = 0 },
			code: Root, msg: "alice would run as uid 0 and the jail does not allow root",
		},
		{
			name: "root gid",
			host: func(h *Host) { h.User.GID = 0; h.Groups[0] = userdb.Group{Name: "root", GID: 0} },
			jail: func(j *userdb.JailDB) { j.User.GID = 0; j.Groups[0] = userdb.Group{Name: "root", GID: 0, Line: 1} },
			code: Root, msg: "alice would run with gid 0",
		},
		{
			name: "root supplementary gid",
			host: func(h *Host) { h.Groups = append(h.Groups, userdb.Group{Name: "root", GID: 0}) },
			jail: func(j *userdb.JailDB) {
				j.Groups = append(j.Groups, userdb.Group{Name: "root", GID: 0, Members: []string{"alice"}, Line: 1})
			},
			code: Root, msg: "alice would run with gid 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, j := hostAlice(), jailAlice()
			if tt.host != nil {
				tt.host(&h)
			}
			if tt.jail != nil {
				tt.jail(j)
			}
			v := Check(h, j, Policy{Strict: !tt.subset})
			if v.Allowed() {
				t.Fatalf("allowed, want %s", tt.code)
			}
			if !reflect.DeepEqual(v.Cred, Cred{}) {
				t.Errorf("denied verdict carries credentials %+v", v.Cred)
			}
			for _, d := range v.Denials {
				if d.Code == tt.code && strings.Contains(d.Msg, tt.msg) {
					return
				}
			}
			t.Fatalf("no %s denial containing %q in %v", tt.code, tt.msg, v.Denials)
		})
	}
}

func TestSubsetDropsMissingGroups(t *testing.T) {
	j := jailAlice()
	j.Groups[1].Members = nil // devs exists in the jail but does not list alice
	v := Check(hostAlice(), j, Policy{Strict: false})
	if !v.Allowed() {
		t.Fatalf("denied: %v", v.Denials)
	}
	if want := []uint32{2001}; !reflect.DeepEqual(v.Cred.Groups, want) {
		t.Fatalf("groups = %v, want %v (only those both sides grant)", v.Cred.Groups, want)
	}
}

func TestAllowRoot(t *testing.T) {
	h, j := hostAlice(), jailAlice()
	h.User.UID, j.User.UID = 0, 0
	if v := Check(h, j, Policy{Strict: true, AllowRoot: true}); !v.Allowed() {
		t.Fatalf("allow_root: denied: %v", v.Denials)
	}
}

// A second entry under the same name with another uid is ambiguous, and a
// jail account sharing the jail-side uid is reported even when the uids
// differ. A duplicate line identical in uid is harmless.
func TestAliasOfJailUID(t *testing.T) {
	h, j := hostAlice(), jailAlice()
	j.User.UID = 4000
	j.Aliases = []userdb.User{{Name: "alice", UID: 2001, Line: 7}, {Name: "mallory", UID: 4000, Line: 8}, {Name: "alice", UID: 4000, Line: 9}}
	v := Check(h, j, Policy{Strict: true})
	var codes []Code
	for _, d := range v.Denials {
		codes = append(codes, d.Code)
	}
	if want := []Code{UIDMismatch, UIDAlias, UIDAlias}; !reflect.DeepEqual(codes, want) {
		t.Fatalf("codes = %v, want %v (%v)", codes, want, v.Denials)
	}
}

// A second name for a gid alice gets is refused whichever line comes
// first, with the same code and no other reason: the verdict must not
// depend on line order (wheel listed after alice's group used to pass).
func TestGroupAlias(t *testing.T) {
	alias := userdb.Group{Name: "wheel", GID: 2001, Line: 9}
	for _, tc := range []struct {
		name   string
		groups func(j *userdb.JailDB) []userdb.Group
		subset bool
		msg    string
	}{{
		name:   "primary gid, alias after",
		groups: func(j *userdb.JailDB) []userdb.Group { return append(j.Groups, alias) },
		msg:    `/etc/group:9: gid 2001 is group "wheel" too (line 4 names it "alice"): a gid alice gets has one name in the jail`,
	}, {
		name: "primary gid, alias before",
		groups: func(j *userdb.JailDB) []userdb.Group {
			a := alias
			a.Line = 1
			return append([]userdb.Group{a}, j.Groups...)
		},
		msg: `/etc/group:4: gid 2001 is group "alice" too (line 1 names it "wheel"): a gid alice gets has one name in the jail`,
	}, {
		name: "supplementary gid, alias after",
		groups: func(j *userdb.JailDB) []userdb.Group {
			return append(j.Groups, userdb.Group{Name: "wheel", GID: 3000, Line: 9})
		},
		msg: `/etc/group:9: gid 3000 is group "wheel" too (line 5 names it "devs")`,
	}, {
		name: "supplementary gid, alias before, listing alice",
		groups: func(j *userdb.JailDB) []userdb.Group {
			return append([]userdb.Group{{Name: "wheel", GID: 3000, Members: []string{"alice"}, Line: 1}}, j.Groups...)
		},
		msg: `/etc/group:5: gid 3000 is group "devs" too (line 1 names it "wheel")`,
	}, {
		name:   "subset, granted gid",
		subset: true,
		groups: func(j *userdb.JailDB) []userdb.Group {
			return append(j.Groups, userdb.Group{Name: "wheel", GID: 3000, Line: 9})
		},
		msg: `gid 3000 is group "wheel" too`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			j := jailAlice()
			j.Groups = tc.groups(j)
			v := Check(hostAlice(), j, Policy{Strict: !tc.subset})
			if len(v.Denials) != 1 || v.Denials[0].Code != GroupAlias || !strings.Contains(v.Denials[0].Msg, tc.msg) {
				t.Fatalf("denials %v, want one %s containing %q", v.Denials, GroupAlias, tc.msg)
			}
		})
	}
	// Not an alias: the same name twice, or a second name for a gid the
	// session does not get (subset: devs not granted in the jail).
	j := jailAlice()
	j.Groups = append(j.Groups, userdb.Group{Name: "alice", GID: 2001, Line: 8})
	if v := Check(hostAlice(), j, Policy{Strict: true}); !v.Allowed() {
		t.Errorf("same name twice: %v", v.Denials)
	}
	j = jailAlice()
	j.Groups[1].Members = nil
	j.Groups = append(j.Groups, userdb.Group{Name: "wheel", GID: 3000, Line: 9})
	if v := Check(hostAlice(), j, Policy{Strict: false}); !v.Allowed() {
		t.Errorf("alias of a gid not applied: %v", v.Denials)
	}
}

// Every reason is reported, not only the first.
func TestAllReasonsCollected(t *testing.T) {
	j := jailAlice()
	j.User.UID = 1
	j.Groups = append(j.Groups, userdb.Group{Name: "wheel", GID: 10, Members: []string{"alice"}, Line: 2})
	v := Check(hostAlice(), j, Policy{Strict: true})
	if len(v.Denials) != 2 {
		t.Fatalf("denials = %v, want uid-mismatch and extra-group", v.Denials)
	}
}

func TestRows(t *testing.T) {
	v := Check(hostAlice(), jailAlice(), Policy{Strict: true})
	var got []string
	for _, r := range v.Rows {
		got = append(got, r.What+"|"+r.Host+"|"+r.Jail+"|"+r.Applied)
	}
	want := []string{
		"user|alice|alice (/etc/passwd:3)|alice",
		"uid|2001|2001|2001",
		"primary gid|2001|2001|2001",
		"group|alice (2001)|alice (2001) /etc/group:4|yes",
		"group|devs (3000)|devs (3000) /etc/group:5|yes",
		"home|/home/alice|/home/alice|/home/alice",
		"shell|/usr/local/sbin/jailsh|/bin/sh|/bin/sh",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// FreeBSD: the jail entry's login class reaches the session (for its
// environment only); the host's class is read where it is applied.
func TestClassFromJail(t *testing.T) {
	h := hostAlice()
	h.User.Class = "staff" // the host side's class is not the session's environment class
	j := jailAlice()
	j.PasswdFile = "/etc/master.passwd"
	j.User.Class = "www"
	v := Check(h, j, Policy{Strict: true})
	if !v.Allowed() || v.Cred.Class != "www" {
		t.Fatalf("cred %+v (denials %v), want class www from the jail's entry", v.Cred, v.Denials)
	}
}

// The group the sshd drop-in matches stays on the host: a strict jail
// need not grant it, and the session never carries it, even when the jail
// has its gid (there it may be another group).
func TestHostOnlyGroupNotDemandedNorApplied(t *testing.T) {
	h := Host{User: userdb.User{Name: "alice", UID: 2001, GID: 2001},
		Groups: []userdb.Group{{Name: "alice", GID: 2001}, {Name: "jailme", GID: 995}}}
	j := &userdb.JailDB{PasswdFile: "/etc/passwd", GroupFile: "/etc/group",
		User:   &userdb.User{Name: "alice", UID: 2001, GID: 2001, Line: 2},
		Groups: []userdb.Group{{Name: "alice", GID: 2001, Line: 2}}}
	p := Policy{Strict: true, HostOnly: []string{"jailme"}}
	v := Check(h, j, p)
	if !v.Allowed() || !slices.Equal(v.Cred.Groups, []uint32{2001}) {
		t.Fatalf("jail without jailme: %+v", v)
	}
	j.Groups = append(j.Groups, userdb.Group{Name: "docker", GID: 995, Members: []string{"alice"}, Line: 3})
	v = Check(h, j, p)
	if !v.Allowed() || !slices.Equal(v.Cred.Groups, []uint32{2001}) {
		t.Fatalf("jail with gid 995 as another group: %+v", v)
	}
	if v := Check(h, j, Policy{Strict: true}); v.Allowed() {
		t.Fatal("without HostOnly the mismatch must still deny")
	}
}
