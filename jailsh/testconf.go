package main

// jailsh -t's warnings and -T's effective configuration: what a config that
// parses still gets wrong on this host, and every default spelled out, as
// sshd -t and sshd -T do for sshd_config.

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/hostdb"
	"jailme.dev/jailme/internal/jail"
)

func lookupUser(name string) error {
	_, err := hostdb.ByName(name)
	return err
}

func lookupGroup(name string) error {
	_, err := hostdb.GroupByName(name)
	return err
}

// configWarnings lists what parses but cannot work here: a jail source
// this platform does not have, a jail that cannot be located now, a rule
// naming a user or group the host does not know, no default rule.
func configWarnings(cfg *config.Config, user, group func(string) error) []string {
	var ws []string
	hasDefault := false
	for _, r := range cfg.Rules {
		switch r.Kind {
		case config.ByDefault:
			hasDefault = true
		case config.ByUser:
			if err := user(r.Subject); err != nil {
				ws = append(ws, fmt.Sprintf("%s: user rule names %s, whom the host does not know: %v", r.Pos, r.Subject, err))
			}
		case config.ByGroup:
			if err := group(r.Subject); err != nil {
				ws = append(ws, fmt.Sprintf("%s: group rule names %s, which the host does not know: %v", r.Pos, r.Subject, err))
			}
		}
	}
	if !hasDefault {
		ws = append(ws, fmt.Sprintf("%s: no default rule: jailsh refuses users no rule names (add \"default deny\" to say so)", cfg.File))
	}
	ws = append(ws, rootWarnings(cfg)...)
	for _, name := range cfg.Order {
		jc := cfg.Jails[name]
		if w := sourceWarning(jc); w != "" {
			ws = append(ws, w)
			continue
		}
		j, err := jail.Locate(jc)
		if err != nil {
			ws = append(ws, fmt.Sprintf("%s: %v", jc.Pos, err))
			continue
		}
		j.Close()
	}
	return ws
}

// rootWarnings are the rules that would jail uid 0, by its name or a
// group of its: pam_jailme never does (it ignores uid 0 and logs them at
// LOG_ERR), and jailsh refuses uid 0 unless allow_root. The very decision
// a root login makes says so.
func rootWarnings(cfg *config.Config) []string {
	h, err := gate.HostByUID(0)
	if err != nil {
		return nil
	}
	d := gate.Decide(gate.Facts{Host: h, Config: cfg}, gate.Request{Asker: gate.Module, Jailsh: ownPath()})
	d.Close()
	return d.Warnings
}

// sourceWarning says when a jail is found in a way this platform lacks.
func sourceWarning(jc *config.Jail) string {
	linux := jc.Pidfile != "" || jc.Machine != "" || jc.Path != "" || jc.Docker != "" ||
		jc.Podman != "" || jc.OCI != "" || jc.LXC != "" || jc.Containerd != ""
	switch {
	case runtime.GOOS == "linux" && !linux:
		return fmt.Sprintf("%s: jail %s names a FreeBSD jail (no pidfile, machine, docker, podman, oci, lxc, containerd or path): it cannot be found on Linux", jc.Pos, jc.Name)
	case runtime.GOOS == "freebsd" && linux:
		return fmt.Sprintf("%s: jail %s uses a Linux source (pidfile, machine, docker, podman, oci, lxc, containerd or path): on FreeBSD a jail is found by name or jid", jc.Pos, jc.Name)
	}
	return ""
}

// dumpConfig prints the effective configuration: every rule in file order
// with its place, every jail with every key, defaults filled in.
func dumpConfig(w io.Writer, cfg *config.Config) {
	fmt.Fprintf(w, "# %s, effective; a user's own rule wins, then the first group rule, then default\n", cfg.File)
	if cfg.LogRequired {
		fmt.Fprintln(w, "log required")
	} else {
		fmt.Fprintln(w, "log optional")
	}
	fmt.Fprintf(w, "lookup_timeout %d\n", int(cfg.HostLookupTimeout().Seconds()))
	fmt.Fprintf(w, "host_groups %s\t# %s is always host-only\n", strings.Join(cfg.HostOnlyGroups(), " "), config.DefaultHostGroup)
	for _, r := range cfg.Rules {
		fmt.Fprintf(w, "%s\t# %s\n", r, r.Pos)
	}
	for _, name := range cfg.Order {
		jc := cfg.Jails[name]
		fmt.Fprintf(w, "jail %s {\t# %s\n", jc.Name, jc.Pos)
		switch {
		case jc.Pidfile != "":
			fmt.Fprintf(w, "\tpidfile = %s;\n", strconv.Quote(jc.Pidfile))
		case jc.Machine != "":
			fmt.Fprintf(w, "\tmachine = %s;\n", strconv.Quote(jc.Machine))
		case jc.Docker != "":
			fmt.Fprintf(w, "\tdocker = %s;\n", strconv.Quote(jc.Docker))
		case jc.Podman != "":
			fmt.Fprintf(w, "\tpodman = %s;\n", strconv.Quote(jc.Podman))
		case jc.OCI != "":
			fmt.Fprintf(w, "\toci = %s;\n", strconv.Quote(jc.OCI))
			if jc.OCIRoot != "" {
				fmt.Fprintf(w, "\toci_root = %s;\n", strconv.Quote(jc.OCIRoot))
			}
		case jc.LXC != "":
			fmt.Fprintf(w, "\tlxc = %s;\n", strconv.Quote(jc.LXC))
		case jc.Containerd != "":
			fmt.Fprintf(w, "\tcontainerd = %s;\n", strconv.Quote(jc.Containerd))
		case jc.Path != "":
			fmt.Fprintf(w, "\tpath = %s;\n", strconv.Quote(jc.Path))
		case jc.JID != 0:
			fmt.Fprintf(w, "\tjid = %d;\n", jc.JID)
		default:
			fmt.Fprintf(w, "\t# the FreeBSD jail named %s\n", jc.Name)
		}
		fmt.Fprintf(w, "\tgroups = %s;\n", jc.Groups)
		users := "files"
		if jc.Users == config.DirectoryUsers {
			users = "directory"
		}
		fmt.Fprintf(w, "\tusers = %s;\n", users)
		fmt.Fprintf(w, "\tallow_root = %t;\n", jc.AllowRoot)
		fmt.Fprintf(w, "\tallow_setuid = %t;\n", jc.AllowSetuid)
		fmt.Fprintf(w, "\tseccomp = %s;\n", jc.Seccomp)
		if jc.Shell != "" {
			fmt.Fprintf(w, "\tshell = %s;\n", strconv.Quote(jc.Shell))
		} else {
			fmt.Fprintf(w, "\t# shell: the jail's /etc/passwd entry, %s when empty\n", "/bin/sh")
		}
		fmt.Fprintln(w, "}")
	}
}
