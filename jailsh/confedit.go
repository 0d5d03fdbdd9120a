package main

// Editing the config the way visudo does: lock the file, write the new
// text to a temporary file beside it, load that as a login would (syntax,
// ownership, every rule's jail defined), and only then rename it over the
// old one. A config that would not load is never installed.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/identity"
)

// addRule appends `user USER JAIL` to the config unless a rule already
// lets the user into the jail. A user rule of their own naming other jails
// is the admin's to change: refused with where it is.
func addRule(cfg *config.Config, h identity.Host, jailName string, dryRun bool) ([]string, error) {
	names := make([]string, len(h.Groups))
	for i, g := range h.Groups {
		names[i] = g.Name
	}
	u := h.User.Name
	a, ok := cfg.Assign(u, names)
	switch {
	case ok && slices.Contains(a.Rule.Targets, jailName):
		return nil, nil
	case ok && a.Rule.Kind == config.ByUser:
		return nil, fmt.Errorf("%s: %s already has a rule of their own (%s): add %s to it by hand", a.Rule.Pos, u, a.Rule, jailName)
	}
	line := fmt.Sprintf("user\t%s\t%s", u, jailName)
	change := fmt.Sprintf("%s: add %q", cfg.File, line)
	if ok {
		change += fmt.Sprintf(" (it overrides %s for %s)", a.Rule.Pos, u)
	}
	if dryRun {
		return []string{change}, nil
	}
	err := editConf(cfg.File, func(old []byte) ([]byte, error) {
		if len(old) > 0 && old[len(old)-1] != '\n' {
			old = append(old, '\n')
		}
		return append(old, line+"\n"...), nil
	})
	if err != nil {
		return nil, err
	}
	return []string{change}, nil
}

// removeRule deletes the line `user USER JAIL` (with or without ";" and a
// comment). A rule naming more jails, or sharing its line, is left to the
// admin.
func removeRule(cfg *config.Config, u, jailName string, dryRun bool) ([]string, error) {
	i := slices.IndexFunc(cfg.Rules, func(r config.Rule) bool { return r.Kind == config.ByUser && r.Subject == u })
	if i < 0 {
		return nil, nil
	}
	r := cfg.Rules[i]
	if !slices.Equal(r.Targets, []string{jailName}) {
		if slices.Contains(r.Targets, jailName) {
			return nil, fmt.Errorf("%s: %s names more jails: remove %s from it by hand", r.Pos, r, jailName)
		}
		return nil, nil
	}
	change := fmt.Sprintf("%s: remove %q", r.Pos, r.String())
	edit := func(old []byte) ([]byte, error) {
		lines := strings.SplitAfter(string(old), "\n")
		if r.Pos.Line > len(lines) || !aloneOnLine(lines[r.Pos.Line-1], r) {
			return nil, fmt.Errorf("%s: the line holds more than %q: edit it by hand", r.Pos, r.String())
		}
		return []byte(strings.Join(slices.Delete(lines, r.Pos.Line-1, r.Pos.Line), "")), nil
	}
	if dryRun {
		old, err := os.ReadFile(r.Pos.File)
		if err == nil {
			_, err = edit(old)
		}
		return []string{change}, err
	}
	if err := editConf(r.Pos.File, edit); err != nil {
		return nil, err
	}
	return []string{change}, nil
}

// aloneOnLine reports whether line parses as exactly the rule r (its
// jail defined after it, as the rule needs).
func aloneOnLine(line string, r config.Rule) bool {
	text := strings.TrimSuffix(line, "\n") + "\njail " + r.Targets[0] + " { path = \"/\"; }\n"
	c, err := config.Parse(r.Pos.File, []byte(text))
	return err == nil && len(c.Rules) == 1 && len(c.Jails) == 1 && c.Rules[0].String() == r.String()
}

// editConf replaces path by edit(its contents), visudo's way. The lock is
// an fcntl lock on the config itself; a concurrent editor of the same kind
// waits for it or fails.
func editConf(path string, edit func([]byte) ([]byte, error)) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file (a link?): edit it by hand", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		return fmt.Errorf("%s: locked by another editor: %w", path, err)
	}
	old, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	data, err := edit(old)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.jailsh-%d", filepath.Base(path), os.Getpid()))
	t, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // gone after the rename; there on every failure
	_, err = t.Write(data)
	if err == nil {
		err = t.Chown(int(st.Uid), int(st.Gid))
	}
	if err == nil {
		err = t.Chmod(os.FileMode(st.Mode & 0o777))
	}
	if err == nil {
		err = t.Sync()
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", tmp, err)
	}
	if _, err := config.Load(tmp); err != nil {
		return fmt.Errorf("the edited config would not load, %s left as it was: %w", path, err)
	}
	return os.Rename(tmp, path)
}
