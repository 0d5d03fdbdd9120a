//go:build linux

package main

// benchtool phases: where the time of one jailsh login goes. It runs
// jailsh's steps (jailsh/main.go) with the same packages, timing each, as
// root for USER, once per process (the session drops the process to the
// user, as jailsh does), and appends one line to -out:
//
//	start_us=… nss_us=… config_us=… decide_us=… audit_us=… run_us=… total_us=…
//
// start_us is from just before the parent's fork (BENCHTOOL_T0, set by
// "benchtool run -t0") to the first line of main: fork, exec, the dynamic
// loader and the Go runtime's start. Run with "benchtool run -t0 -cmd
// 'phases|root|benchtool phases -user alice -out FILE -- /bin/sh -c true'".

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"jailme.dev/jailme/internal/audit"
	"jailme.dev/jailme/internal/config"
	"jailme.dev/jailme/internal/gate"
	"jailme.dev/jailme/internal/jail"
)

var mainStart = time.Now()

func phasesCmd(args []string) {
	t0 := mainStart
	fs := flag.NewFlagSet("phases", flag.ExitOnError)
	userName := fs.String("user", "", "the user jailsh would run for")
	conf := fs.String("config", "/etc/jailme.conf", "configuration")
	out := fs.String("out", "", "file to append the timings to")
	fs.Parse(args)
	argv := fs.Args()
	if *userName == "" || *out == "" || len(argv) == 0 {
		fatal("phases: -user, -out and the session's command are required")
	}
	var startUS int64 = -1
	if v, err := strconv.ParseInt(os.Getenv("BENCHTOOL_T0"), 10, 64); err == nil {
		startUS = t0.Sub(time.Unix(0, v)).Microseconds()
	}
	lap := func() int64 {
		now := time.Now()
		d := now.Sub(t0).Microseconds()
		t0 = now
		return d
	}
	lap()
	host, err := gate.HostByName(*userName)
	if err != nil {
		fatal("phases: %v", err)
	}
	nss := lap()
	cfg, err := config.Load(*conf)
	if err != nil {
		fatal("phases: %v", err)
	}
	cfgT := lap()
	d, err := gate.Decide(cfg, host)
	if err != nil || d.Denied() {
		fatal("phases: decide: %v %+v", err, d.Verdict.Denials)
	}
	decide := lap()
	ev := audit.Event{Prog: "benchtool", User: *userName, UID: &host.User.UID, Jail: d.Assignment.Jail.Name,
		Where: d.Jail.Where(), Command: "bench"}
	if err := audit.Connect(); err != nil {
		fatal("phases: %v", err)
	}
	if err := audit.Allow(ev); err != nil {
		fatal("phases: %v", err)
	}
	aud := lap()
	// The file is opened before the session drops this process to the user.
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fatal("phases: %v", err)
	}
	lap()
	c := d.Verdict.Cred
	status, err := d.Jail.Run(jail.Session{Cred: c, Path: argv[0], Argv: argv,
		Env: []string{"PATH=/usr/bin:/bin", "HOME=" + c.Home, "USER=" + c.Name}})
	if err != nil || status != 0 {
		fatal("phases: run: status %d, %v", status, err)
	}
	run := lap()
	fmt.Fprintf(f, "start_us=%d nss_us=%d config_us=%d decide_us=%d audit_us=%d run_us=%d total_us=%d\n",
		startUS, nss, cfgT, decide, aud, run, time.Since(mainStart).Microseconds()+max(startUS, 0))
	f.Close()
}
