//go:build linux || freebsd

package hostdb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jailme.dev/jailme/internal/userdb"
)

// fakeHelper writes an executable script standing in for jailsh
// --host-lookup: the parent's side of the protocol is what is tested.
func fakeHelper(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "helper")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

const userLine = `{"user":{"Name":"ldapu","UID":20001,"GID":20001,"Home":"/home/ldapu","Shell":"/bin/sh"}}`

// remoteNSS makes Bounded use its helper whatever this machine's
// nsswitch.conf says.
func remoteNSS(t *testing.T) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nsswitch.conf")
	if err := os.WriteFile(p, []byte("passwd: files ldap\ngroup: files ldap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := nsswitchFile
	nsswitchFile = p
	t.Cleanup(func() { nsswitchFile = old })
}

func TestLocalOnly(t *testing.T) {
	// compat with NIS "+" lines asks NIS (TestLocalOnlyCompat has the rest).
	nis := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(nis, []byte("+:::::::::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := compatFiles
	compatFiles = map[string]string{"passwd": nis, "group": nis, "initgroups": nis}
	t.Cleanup(func() { compatFiles = old })
	for in, want := range map[string]bool{
		"passwd: files systemd\ngroup: files systemd\nhosts: dns\n":      true,
		"passwd: files\ngroup: files [SUCCESS=merge] systemd # x ldap\n": true,
		"passwd: files ldap\ngroup: files\n":                             false,
		"passwd: files\ngroup: files\ninitgroups: files sss\n":           false,
		"passwd: compat\ngroup: compat\n":                                false,
		"passwd: files\n":                                                false,
		"passwd: files [NOTFOUND=return] nis\ngroup: files\n":            false,
		"passwd:files\ngroup:files\n":                                    true,
	} {
		p := filepath.Join(t.TempDir(), "nsswitch.conf")
		if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := localOnly(p); got != want {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
	if localOnly("/nonexistent/nsswitch.conf") {
		t.Error("an unreadable nsswitch.conf is local")
	}
}

func TestBoundedLocal(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nsswitch.conf")
	if err := os.WriteFile(p, []byte("passwd: files\ngroup: files\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := nsswitchFile
	nsswitchFile = p
	defer func() { nsswitchFile = old }()
	// No helper at that path: the lookup ran here.
	a, err := Bounded{Path: "/nonexistent/jailsh"}.Lookup(Key{UID: 0})
	if err != nil || a.User == nil || a.User.Name != "root" || len(a.Groups) == 0 {
		t.Fatalf("got %+v, %v", a, err)
	}
	if _, err := (Bounded{Path: "/nonexistent/jailsh"}).Lookup(Key{ByName: true, Name: "jailme-no-such-user"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestBoundedHelper(t *testing.T) {
	remoteNSS(t)
	tests := []struct {
		name     string
		body     string
		want     error  // errors.Is
		wantMsg  string // substring of the error
		wantUser bool
	}{
		{name: "answers", body: "echo '" + userLine + "'; echo '{\"groups\":[{\"Name\":\"g\",\"GID\":20001}],\"done\":true,\"tries\":2}'"},
		{name: "hung", body: "exec sleep 60", want: ErrTimeout, wantMsg: "the directory did not answer within 1s"},
		{name: "hung-in-groups", body: "echo '" + userLine + "'; exec sleep 60", want: ErrTimeout,
			wantMsg: "groups of ldapu: the directory did not answer within 1s", wantUser: true},
		{name: "notfound", body: `echo '{"kind":"notfound","err":"host user \"x\": no such user"}'`, want: ErrNotFound},
		{name: "outage", body: `echo '{"kind":"unavailable","err":"name service unavailable: getpwnam_r(\"x\") failed with errno 2 (ENOENT)"}'`,
			want: ErrUnavailable, wantMsg: "errno 2"},
		{name: "not-jailsh", body: "echo usage; exit 2", want: ErrNoHelper},
		{name: "dies", body: "kill -9 $$", want: ErrNoHelper, wantMsg: "without answering"},
		{name: "groups-unreadable", body: "echo '" + userLine + "'; echo garbage", wantMsg: "unreadable answer", wantUser: true},
		{name: "incomplete", body: "echo '" + userLine + "'; echo '{}'", wantMsg: "incomplete answer", wantUser: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := Bounded{Path: fakeHelper(t, tc.body), Timeout: time.Second}
			a, err := b.Lookup(Key{ByName: true, Name: "ldapu"})
			if tc.want == nil && tc.wantMsg == "" {
				if err != nil || a.User == nil || a.User.UID != 20001 || len(a.Groups) != 1 || a.Tries != 2 {
					t.Fatalf("got %+v, %v", a, err)
				}
				return
			}
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("got error %v, want %v containing %q", err, tc.want, tc.wantMsg)
			}
			if (a.User != nil) != tc.wantUser {
				t.Errorf("user %+v, want known=%v", a.User, tc.wantUser)
			}
		})
	}
}

func TestBoundedNoHelper(t *testing.T) {
	remoteNSS(t)
	_, err := Bounded{Path: "/nonexistent/jailsh"}.Lookup(Key{UID: 0})
	if !errors.Is(err, ErrNoHelper) {
		t.Fatalf("got %v, want ErrNoHelper", err)
	}
}

// The helper's own work, in this process: root is answered in two stages.
func TestLookupStages(t *testing.T) {
	var got []reply
	Lookup(Key{UID: 0}, func(r reply) bool { got = append(got, r); return true })
	if len(got) != 2 || got[0].User == nil || got[0].User.Name != "root" || !got[1].Done || len(got[1].Groups) == 0 {
		t.Fatalf("got %+v", got)
	}
	got = nil
	Lookup(Key{ByName: true, Name: "jailme-no-such-user"}, func(r reply) bool { got = append(got, r); return true })
	if len(got) != 1 || got[0].Kind != "notfound" {
		t.Fatalf("got %+v", got)
	}
}

func TestParseKey(t *testing.T) {
	for _, args := range [][]string{nil, {"uid"}, {"uid", "-1"}, {"uid", "x"}, {"gid", "0"}, {"name", "a", "b"}} {
		if _, err := parseKey(args); err == nil {
			t.Errorf("parseKey(%q) accepted", args)
		}
	}
	if k, err := parseKey([]string{"uid", "4294967295"}); err != nil || k.UID != 4294967295 {
		t.Errorf("got %+v, %v", k, err)
	}
}

// FreeBSD's default "passwd: compat" is local unless the files carry NIS
// "+"/"-" lines (issue 25: every login forked the helper for nothing).
func TestLocalOnlyCompat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ns := write("nsswitch.conf", "group: compat\ngroup_compat: nis\npasswd: compat\npasswd_compat: nis\n")
	plain := write("passwd", "root:*:0:0:Charlie &:/root:/bin/sh\n")
	nis := write("passwd.nis", "root:*:0:0:Charlie &:/root:/bin/sh\n+:::::::::\n")
	minus := write("group.nis", "wheel:*:0:root\n-@badguys\n")
	group := write("group", "wheel:*:0:root\n")
	old := compatFiles
	t.Cleanup(func() { compatFiles = old })
	for _, tc := range []struct {
		passwd, group string
		want          bool
	}{
		{plain, group, true},
		{nis, group, false},
		{plain, minus, false},
		{"/nonexistent/passwd", group, false},
	} {
		compatFiles = map[string]string{"passwd": tc.passwd, "group": tc.group, "initgroups": tc.group}
		if got := localOnly(ns); got != tc.want {
			t.Errorf("compat with %s and %s: localOnly = %v, want %v", tc.passwd, tc.group, got, tc.want)
		}
	}
}

// Issue 21: a user whose groups are not needed (uid 0 for pam_jailme) is
// answered as soon as the helper names them, not at the deadline.
func TestBoundedUserSuffices(t *testing.T) {
	remoteNSS(t)
	b := Bounded{Path: fakeHelper(t, "echo '"+userLine+"'; exec sleep 60"), Timeout: 5 * time.Second,
		UserSuffices: func(u *userdb.User) bool { return u.UID == 20001 }}
	start := time.Now()
	a, err := b.Lookup(Key{ByName: true, Name: "ldapu"})
	if !errors.Is(err, ErrNotAsked) || a.User == nil || a.User.Name != "ldapu" {
		t.Fatalf("got %+v, %v; want the user and ErrNotAsked", a, err)
	}
	if d := time.Since(start); d >= b.Timeout {
		t.Errorf("took %v: waited for the deadline", d)
	}
}

// In this process too (a local name service, or no helper for
// pam_jailme), the groups of a user UserSuffices accepts are not asked
// for: root's login waited for a hung directory there.
func TestHereUserSuffices(t *testing.T) {
	tries = 0
	b := Bounded{UserSuffices: func(u *userdb.User) bool { return u.UID == 0 }}
	a, err := b.Here(Key{ByName: true, Name: "root"})
	if !errors.Is(err, ErrNotAsked) || a.User == nil || a.User.UID != 0 || a.Groups != nil {
		t.Fatalf("root: %+v, %v; want the user and ErrNotAsked", a, err)
	}
	if tries != 2 {
		t.Errorf("root: %d libc calls, want 2 (getpwnam, getpwuid: no getgrouplist)", tries)
	}
	if _, err := (Bounded{}).Here(Key{UID: 0}); err != nil {
		t.Errorf("root without UserSuffices: %v", err)
	}
}
