//go:build linux

package main

// benchtool pam: PAM sessions driven in this process through libpam
// (github.com/msteinert/pam), as a host process such as sshd or login
// does: pam_start, pam_open_session, pam_close_session, pam_end per
// session.
//
//	-mode time: the services given alternate session by session; prints
//	            the median time of one session per service.
//	-mode rss:  one service only, in a fresh process: VmRSS and VmHWM of
//	            this process before the first pam_start and after N
//	            sessions, and the first (cold) session's time.
//
// Output lines: "SERVICE n=… fails=… median_us=… p10_us=… p90_us=…
// first_us=… rss_before_kb=… rss_after_kb=… hwm_before_kb=… hwm_after_kb=…".

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/msteinert/pam/v2"
)

func pamCmd(args []string) {
	fs := flag.NewFlagSet("pam", flag.ExitOnError)
	n := fs.Int("n", 1000, "sessions per service")
	mode := fs.String("mode", "time", "time or rss")
	userName := fs.String("user", "", "PAM_USER")
	smaps := fs.String("smaps", "", "copy /proc/self/smaps here at the end (where the RSS is)")
	var svcs multi
	fs.Var(&svcs, "svc", "PAM service (repeatable)")
	fs.Parse(args)
	if *userName == "" || len(svcs) == 0 || (*mode == "rss" && len(svcs) != 1) {
		fatal("pam: -user and -svc (one with -mode rss) are required")
	}
	// libpam and the module run on this thread, as in a C host.
	runtime.LockOSThread()

	type result struct {
		samples []time.Duration
		first   time.Duration
		fails   int
		errs    []string
	}
	res := make([]result, len(svcs))
	// The host looks the user up before PAM (sshd, login and su do), which
	// loads the NSS modules: not the module's memory.
	if _, err := user.Lookup(*userName); err != nil {
		fatal("pam: %v", err)
	}
	rssBefore, hwmBefore := status("VmRSS"), status("VmHWM")
	for i := 0; i < *n; i++ {
		for k, svc := range svcs {
			d, err := session(svc, *userName)
			r := &res[k]
			if i == 0 {
				r.first = d
			}
			if err != nil {
				r.fails++
				if len(r.errs) < 3 {
					r.errs = append(r.errs, err.Error())
				}
				continue
			}
			r.samples = append(r.samples, d)
		}
	}
	rssAfter, hwmAfter := status("VmRSS"), status("VmHWM")
	if *smaps != "" {
		if data, err := os.ReadFile("/proc/self/smaps"); err == nil {
			os.WriteFile(*smaps, data, 0o644)
		}
	}
	for k, svc := range svcs {
		r := &res[k]
		for _, e := range r.errs {
			fmt.Fprintf(os.Stderr, "%s error: %s\n", svc, e)
		}
		d := r.samples
		slices.Sort(d)
		pct := func(p float64) float64 {
			if len(d) == 0 {
				return 0
			}
			return float64(d[int(p*float64(len(d)-1)+0.5)].Nanoseconds()) / 1e3
		}
		fmt.Printf("%s n=%d fails=%d median_us=%.1f p10_us=%.1f p90_us=%.1f first_us=%.0f rss_before_kb=%d rss_after_kb=%d hwm_before_kb=%d hwm_after_kb=%d\n",
			svc, len(d), r.fails, pct(0.5), pct(0.1), pct(0.9), float64(r.first.Microseconds()),
			rssBefore, rssAfter, hwmBefore, hwmAfter)
	}
}

// session is one login's worth of PAM calls; an error from any of them is
// a failure (the stacks under test must let the user in).
func session(svc, user string) (time.Duration, error) {
	conv := pam.ConversationFunc(func(s pam.Style, msg string) (string, error) {
		switch s {
		case pam.ErrorMsg, pam.TextInfo:
			return "", nil
		}
		return "", errors.New("unexpected prompt: " + msg)
	})
	start := time.Now()
	tx, err := pam.Start(svc, user, conv)
	if err != nil {
		return 0, fmt.Errorf("pam_start: %w", err)
	}
	err = tx.OpenSession(0)
	if err == nil {
		err = tx.CloseSession(0)
		if err != nil {
			err = fmt.Errorf("pam_close_session: %w", err)
		}
	} else {
		err = fmt.Errorf("pam_open_session: %w", err)
	}
	if e := tx.End(); e != nil && err == nil {
		err = fmt.Errorf("pam_end: %w", e)
	}
	return time.Since(start), err
}

// status reads a "Vm…:  N kB" field of /proc/self/status.
func status(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fatal("%v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}
