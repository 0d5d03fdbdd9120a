package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tree makes a private directory tree that counts as "/" owned by "root"
// (the test's own uid), so the checks run unprivileged and never look at
// the real /etc.
func tree(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	oldUID, oldRoot := rootUID, walkRoot
	rootUID, walkRoot = uint32(os.Getuid()), dir
	t.Cleanup(func() { rootUID, walkRoot = oldUID, oldRoot })
	mkdir(t, filepath.Join(dir, "etc"), 0o755)
	return dir
}

func mkdir(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, data string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Fatalf("error:\n got %q\nwant %q", err, want)
	}
}

func TestCheckOwnership(t *testing.T) {
	root := tree(t)
	etc := filepath.Join(root, "etc")
	conf := filepath.Join(etc, "jailme.conf")
	writeFile(t, conf, "default deny\n", 0o644)

	if err := CheckOwnership(conf); err != nil {
		t.Fatalf("good tree: %v", err)
	}
	writeFile(t, conf, "default deny\n", 0o400)
	if err := CheckOwnership(conf); err != nil {
		t.Fatalf("mode 0400: %v", err)
	}

	t.Run("group-writable file", func(t *testing.T) {
		os.Chmod(conf, 0o664)
		defer os.Chmod(conf, 0o644)
		wantErr(t, CheckOwnership(conf), conf+": writable by group or others (mode 0664; fix: chmod go-w "+conf+")")
	})
	t.Run("other-writable file", func(t *testing.T) {
		os.Chmod(conf, 0o646)
		defer os.Chmod(conf, 0o644)
		wantErr(t, CheckOwnership(conf), conf+": writable by group or others (mode 0646; fix: chmod go-w "+conf+")")
	})
	t.Run("other-writable parent", func(t *testing.T) {
		os.Chmod(etc, 0o757)
		defer os.Chmod(etc, 0o755)
		wantErr(t, CheckOwnership(conf), etc+": writable by group or others (mode 0757; fix: chmod go-w "+etc+")")
	})
	t.Run("group-writable top of the walk", func(t *testing.T) {
		os.Chmod(root, 0o775)
		defer os.Chmod(root, 0o755)
		wantErr(t, CheckOwnership(conf), root+": writable by group or others (mode 0775; fix: chmod go-w "+root+")")
	})
	t.Run("sticky world-writable parent", func(t *testing.T) {
		os.Chmod(etc, 0o777|os.ModeSticky)
		defer os.Chmod(etc, 0o755)
		wantErr(t, CheckOwnership(conf), etc+": writable by group or others (mode 1777; fix: chmod go-w "+etc+")")
	})
	t.Run("wrong owner", func(t *testing.T) {
		// The walk reports the first component that fails, from the top:
		// here only the file is in the checked part of the tree.
		rootUID, walkRoot = uint32(os.Getuid())+1, conf
		defer func() { rootUID, walkRoot = uint32(os.Getuid()), root }()
		wantErr(t, CheckOwnership(conf), fmt.Sprintf("%s: owned by uid %d, not root (fix: chown root %s)", conf, os.Getuid(), conf))
	})
	t.Run("parent with wrong owner", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("needs root to chown")
		}
		d := filepath.Join(root, "home")
		mkdir(t, d, 0o755)
		writeFile(t, filepath.Join(d, "c"), "", 0o644)
		if err := os.Chown(d, 1000, 1000); err != nil {
			t.Fatal(err)
		}
		wantErr(t, CheckOwnership(filepath.Join(d, "c")), d+": owned by uid 1000, not root (fix: chown root "+d+")")
	})
	t.Run("symlink", func(t *testing.T) {
		link := filepath.Join(etc, "link.conf")
		if err := os.Symlink(conf, link); err != nil {
			t.Fatal(err)
		}
		wantErr(t, CheckOwnership(link), link+": is a symbolic link")
		_, err := readConfig(link)
		if err == nil || !strings.HasPrefix(err.Error(), "open "+link+": ") {
			t.Fatalf("readConfig(symlink) = %v, want an open error", err)
		}
	})
	t.Run("symlinked parent resolves to a writable directory", func(t *testing.T) {
		bad := filepath.Join(root, "bad")
		mkdir(t, bad, 0o755)
		writeFile(t, filepath.Join(bad, "jailme.conf"), "", 0o644)
		os.Chmod(bad, 0o777)
		if err := os.Symlink(bad, filepath.Join(root, "etc2")); err != nil {
			t.Fatal(err)
		}
		wantErr(t, CheckOwnership(filepath.Join(root, "etc2", "jailme.conf")),
			bad+": writable by group or others (mode 0777; fix: chmod go-w "+bad+")")
	})
	t.Run("directory", func(t *testing.T) {
		wantErr(t, CheckOwnership(etc), etc+": not a regular file")
	})
	t.Run("missing", func(t *testing.T) {
		err := CheckOwnership(filepath.Join(etc, "nope"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want ErrNotExist", err)
		}
	})
}

// A FIFO must be refused, not read: opening one blocks until a writer
// comes, which would hang a login.
func TestFIFO(t *testing.T) {
	root := tree(t)
	fifo := filepath.Join(root, "etc", "jailme.conf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	wantErr(t, CheckOwnership(fifo), fifo+": not a regular file")
	done := make(chan error, 1)
	go func() {
		_, err := readConfig(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		wantErr(t, err, fifo+": not a regular file")
	case <-time.After(5 * time.Second):
		t.Fatal("readConfig hangs on a FIFO")
	}
	_, err := Load(fifo)
	wantErr(t, err, fifo+": not a regular file")
}

func TestReadConfigSize(t *testing.T) {
	root := tree(t)
	conf := filepath.Join(root, "etc", "jailme.conf")
	big := strings.Repeat("#\n", maxConfigSize/2) + "\n"
	writeFile(t, conf, big, 0o644)
	_, err := Load(conf)
	wantErr(t, err, fmt.Sprintf("%s: larger than %d bytes", conf, maxConfigSize))
	writeFile(t, conf, big[:maxConfigSize], 0o644)
	if _, err := Load(conf); err != nil {
		t.Fatalf("1 MiB exactly: %v", err)
	}
}

func TestLoad(t *testing.T) {
	root := tree(t)
	conf := filepath.Join(root, "etc", "jailme.conf")
	writeFile(t, conf, "user alice web\njail web { path = \"/j/web\"; }\ndefault deny\n", 0o644)
	c, err := Load(conf)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != conf || len(c.Rules) != 2 || c.Rules[0].Pos != (Pos{conf, 1, 1}) || c.Jails["web"].Path != "/j/web" {
		t.Fatalf("Load = %+v", c)
	}
	os.Chmod(conf, 0o666)
	_, err = Load(conf)
	wantErr(t, err, conf+": writable by group or others (mode 0666; fix: chmod go-w "+conf+")")
	_, err = Load(filepath.Join(root, "etc", "missing.conf"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

func TestLoadInclude(t *testing.T) {
	root := tree(t)
	etc := filepath.Join(root, "etc")
	conf := filepath.Join(etc, "jailme.conf")
	d := filepath.Join(etc, "jailme.d")
	mkdir(t, d, 0o755)
	writeFile(t, conf, "user alice a\n.include \""+d+"/*.conf\"\ndefault b\n", 0o644)
	writeFile(t, filepath.Join(d, "20-b.conf"), "group devs b\njail b { machine = b; }\n", 0o644)
	writeFile(t, filepath.Join(d, "10-a.conf"), "group ops a\njail a { }\n", 0o644)
	writeFile(t, filepath.Join(d, ".99-hidden.conf"), "syntax error\n", 0o644)
	writeFile(t, filepath.Join(d, "README"), "syntax error\n", 0o644)

	c, err := Load(conf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range c.Rules {
		got = append(got, fmt.Sprintf("%s %s %s %s", r.Kind, r.Subject, strings.Join(r.Targets, " "), r.Pos))
	}
	want := []string{
		"user alice a " + conf + ":1:1",
		"group ops a " + d + "/10-a.conf:1:1",
		"group devs b " + d + "/20-b.conf:1:1",
		"default  b " + conf + ":3:1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(c.Order, ",") != "a,b" || c.Jails["a"].Pos != (Pos{d + "/10-a.conf", 2, 1}) {
		t.Fatalf("jails %v %+v", c.Order, c.Jails["a"])
	}
	if a, ok := c.Assign("bob", []string{"devs", "ops"}); !ok || a.Jails[0] != c.Jails["a"] {
		t.Fatalf("Assign = %+v %v; want the first group rule in include order", a, ok)
	}

	t.Run("writable include", func(t *testing.T) {
		f := filepath.Join(d, "20-b.conf")
		os.Chmod(f, 0o666)
		defer os.Chmod(f, 0o644)
		_, err := Load(conf)
		wantErr(t, err, conf+":2:1: include: "+f+": writable by group or others (mode 0666; fix: chmod go-w "+f+")")
	})
	t.Run("writable include directory", func(t *testing.T) {
		os.Chmod(d, 0o777)
		defer os.Chmod(d, 0o755)
		_, err := Load(conf)
		wantErr(t, err, fmt.Sprintf("%s:2:1: include %q: %s: writable by group or others (mode 0777; fix: chmod go-w %s)", conf, d+"/*.conf", d, d))
	})
	t.Run("error in include", func(t *testing.T) {
		f := filepath.Join(d, "30-bad.conf")
		writeFile(t, f, "\n  user alice deny\n", 0o644)
		defer os.Remove(f)
		_, err := Load(conf)
		wantErr(t, err, fmt.Sprintf("%s:2:3: duplicate rule for user alice (first at %s:1:1)", f, conf))
	})
	t.Run("undefined jail across files", func(t *testing.T) {
		f := filepath.Join(d, "30-bad.conf")
		writeFile(t, f, "user carol nowhere\n", 0o644)
		defer os.Remove(f)
		_, err := Load(conf)
		wantErr(t, err, f+`:1:1: user rule names undefined jail "nowhere"`)
	})
}

func TestLoadIncludeEdges(t *testing.T) {
	root := tree(t)
	etc := filepath.Join(root, "etc")
	conf := filepath.Join(etc, "jailme.conf")
	load := func(text string) error {
		writeFile(t, conf, text, 0o644)
		_, err := Load(conf)
		return err
	}
	empty := filepath.Join(etc, "empty.d")
	mkdir(t, empty, 0o755)
	for _, ok := range []string{
		".include \"" + empty + "/*.conf\"\n",
		".include \"" + etc + "/missing.d/*.conf\"\n",
		".include \"" + etc + "/missing.d/deeper/*.conf\"\n",
	} {
		if err := load(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	bad := []struct{ text, want string }{
		{".include \"jailme.d/*.conf\"\n", conf + `:1:1: include path "jailme.d/*.conf" is not absolute`},
		{".include \"" + etc + "/*/x.conf\"\n", fmt.Sprintf("%s:1:1: include %q: wildcards are allowed in the last component only", conf, etc+"/*/x.conf")},
		{".include \"" + etc + "/[.conf\"\n", fmt.Sprintf("%s:1:1: include %q: syntax error in pattern", conf, etc+"/[.conf")},
		{".include \"/\"\n", conf + `:1:1: include "/" names no file`},
		{".include \"" + etc + "/nope.conf\"\n", fmt.Sprintf("%s:1:1: include: %s/nope.conf: no such file or directory", conf, etc)},
	}
	for _, tt := range bad {
		wantErr(t, load(tt.text), tt.want)
	}

	// An include loop stops at the depth limit.
	err := load(".include \"" + conf + "\"\n")
	if err == nil || err.Error() != conf+":1:1: includes nested more than 8 deep" {
		t.Fatalf("include loop: %v", err)
	}
	// Eight levels are fine.
	for i := 1; i <= 8; i++ {
		text := "\n"
		if i < 8 {
			text = fmt.Sprintf(".include \"%s/%d.conf\"\n", etc, i+1)
		}
		writeFile(t, fmt.Sprintf("%s/%d.conf", etc, i), text, 0o644)
	}
	if err := load(".include \"" + etc + "/1.conf\"\n"); err != nil {
		t.Fatalf("8 levels: %v", err)
	}
}

func TestCheckDirOwnership(t *testing.T) {
	dir := tree(t)
	jail := filepath.Join(dir, "jail")
	if err := os.Mkdir(jail, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckDirOwnership(jail); err != nil {
		t.Fatalf("good jail dir: %v", err)
	}
	if err := os.Chmod(jail, 0o775); err != nil {
		t.Fatal(err)
	}
	if err := CheckDirOwnership(jail); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Fatalf("g+w jail dir: %v", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(jail, link); err != nil {
		t.Fatal(err)
	}
	if err := CheckDirOwnership(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlinked jail dir: %v", err)
	}
}

// Paths are walked as written (issue 22): a symbolic link on the way is
// followed only if root owns it and its directory only root can write.
func TestWalkSymlinks(t *testing.T) {
	root := tree(t)
	run := filepath.Join(root, "run")
	mkdir(t, run, 0o755)
	writeFile(t, filepath.Join(run, "web.pid"), "42\n", 0o644)
	pub := filepath.Join(root, "pub")
	mkdir(t, pub, 0o777|os.ModeSticky)
	if err := os.Symlink(run, filepath.Join(pub, "jl")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, CheckOwnership(filepath.Join(pub, "jl", "web.pid")),
		pub+"/jl: a symbolic link in a directory root alone must write: not followed: "+pub+": writable by group or others (mode 1777; fix: chmod go-w "+pub+")")
	if err := os.Symlink("run", filepath.Join(root, "varrun")); err != nil {
		t.Fatal(err)
	}
	if err := CheckOwnership(filepath.Join(root, "varrun", "web.pid")); err != nil {
		t.Fatalf("root's relative symlink in a root-owned directory: %v", err)
	}
	if data, err := ReadOwned(filepath.Join(root, "varrun", "web.pid")); err != nil || string(data) != "42\n" {
		t.Fatalf("ReadOwned through root's link: %q, %v", data, err)
	}
	if _, err := ReadOwned(filepath.Join(pub, "jl", "web.pid")); err == nil || !strings.Contains(err.Error(), pub+"/jl: a symbolic link") {
		t.Fatalf("ReadOwned through a link in a 1777 directory: %v", err)
	}
	if err := os.Symlink("pub/../run/./", filepath.Join(root, "up")); err != nil {
		t.Fatal(err)
	}
	if err := CheckOwnership(filepath.Join(root, "up", "web.pid")); err != nil {
		t.Fatalf("a link with ..: %v", err)
	}
	if err := os.Symlink("loop", filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	if err := CheckOwnership(filepath.Join(root, "loop", "x")); !errors.Is(err, syscall.ELOOP) {
		t.Fatalf("a link loop: %v", err)
	}
	t.Run("a user's symlink", func(t *testing.T) {
		rootUID = uint32(os.Getuid()) + 1
		defer func() { rootUID = uint32(os.Getuid()) }()
		walkRoot = filepath.Join(root, "varrun") // checks only below it
		defer func() { walkRoot = root }()
		_, _, err := walk(filepath.Join(root, "varrun", "web.pid"), false)
		wantErr(t, err, fmt.Sprintf("%s/varrun: a symbolic link owned by uid %d, not root: not followed", root, os.Getuid()))
	})
	if err := checkDirsMissingOK(filepath.Join(root, "varrun", "nope", "deeper")); err != nil {
		t.Fatalf("missing include directory behind root's link: %v", err)
	}
}
