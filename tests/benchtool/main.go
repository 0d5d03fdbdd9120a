//go:build linux

// Command benchtool measures for tests/bench.sh (make bench). It is a test
// helper, not part of jailme.
//
//	benchtool run [-n N] [-j J] [-block B] [-warm W] [-pace D] -cmd 'LABEL|CRED|ARGV...' [-pre 'LABEL|SHELL CMD'] ...
//	benchtool pam -mode time|rss [-n N] -user USER -svc SERVICE [-svc SERVICE]
//	benchtool phases -user USER -out FILE -- CMD...   (phases.go)
//
// run fork/execs every command N times, straight from this process (one
// fork+exec per call, the same process shape for all), alternating between
// the commands in blocks of B calls; with -j J the B calls of a block run
// J at a time and the block's wall time counts for throughput; with -pace D
// each call is preceded by D of idle time (not timed, but in the wall time). CRED is
// "root" or "user:NAME" (uid, gid and groups from NSS, as setpriv
// --init-groups, with a clean environment as the harness's "as"). A -pre
// command runs (untimed, by bash -c) before every block of its label.
// Output, one line per label:
//
//	LABEL n=N fails=F median_us=… p10_us=… p90_us=… mean_us=… wall_s=… per_s=… maxrss_kb=…
//
// and "LABEL error: …" lines (stderr) for the first failures. maxrss_kb is
// the median ru_maxrss of the calls; it is never below benchtool's own RSS
// (a child shares this process's memory until it executes), so it says
// nothing about small programs. pam is in pam.go, phases in phases.go.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "run":
		runCmd(os.Args[2:])
	case "pam":
		pamCmd(os.Args[2:])
	case "phases":
		phasesCmd(os.Args[2:])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool run|pam ... (see the source)")
	os.Exit(2)
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ";") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

type spec struct {
	label   string
	argv    []string
	cred    *syscall.Credential
	env     []string
	pre     string
	samples []time.Duration
	rss     []int64 // ru_maxrss of each call, KiB
	fails   int
	errs    []string
	wall    time.Duration // sum of the blocks' wall times
	t0      bool
}

func parseCred(s string) (*syscall.Credential, []string, error) {
	if s == "root" {
		return nil, []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "USER=root", "LOGNAME=root"}, nil
	}
	name, ok := strings.CutPrefix(s, "user:")
	if !ok {
		return nil, nil, fmt.Errorf("cred %q: want root or user:NAME", s)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, nil, err
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	gids, err := u.GroupIds()
	if err != nil {
		return nil, nil, err
	}
	c := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	for _, g := range gids {
		n, _ := strconv.ParseUint(g, 10, 32)
		c.Groups = append(c.Groups, uint32(n))
	}
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + u.HomeDir, "USER=" + name, "LOGNAME=" + name}
	return c, env, nil
}

func runCmd(args []string) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	n := fs.Int("n", 200, "calls per command")
	j := fs.Int("j", 1, "calls at a time")
	block := fs.Int("block", 1, "calls of one command before switching to the next")
	warm := fs.Int("warm", 5, "untimed calls per command first")
	timeout := fs.Duration("timeout", 60*time.Second, "time limit of one call")
	t0 := fs.Bool("t0", false, "pass BENCHTOOL_T0 (ns before the fork) to each call")
	pace := fs.Duration("pace", 0, "idle time before each timed call (sporadic logins: caches and RCU state go cold)")
	var cmds, pres multi
	fs.Var(&cmds, "cmd", "LABEL|CRED|ARGV (repeatable)")
	fs.Var(&pres, "pre", "LABEL|SHELL COMMAND run before each block of LABEL")
	fs.Parse(args)

	var specs []*spec
	for _, c := range cmds {
		parts := strings.SplitN(c, "|", 3)
		if len(parts) != 3 {
			fatal("-cmd %q: want LABEL|CRED|ARGV", c)
		}
		cred, env, err := parseCred(parts[1])
		if err != nil {
			fatal("-cmd %q: %v", c, err)
		}
		specs = append(specs, &spec{label: parts[0], cred: cred, env: env, argv: strings.Fields(parts[2]), t0: *t0})
	}
	for _, p := range pres {
		label, cmd, ok := strings.Cut(p, "|")
		if !ok {
			fatal("-pre %q: want LABEL|COMMAND", p)
		}
		for _, s := range specs {
			if s.label == label {
				s.pre = cmd
			}
		}
	}
	if len(specs) == 0 {
		fatal("no -cmd")
	}
	if *block < 1 {
		*block = 1
	}

	// Warm-up: page cache, sshd's first connections, the jail's first
	// entry. Failures here count too: a broken setup must show.
	for _, s := range specs {
		if *warm > 0 {
			s.runPre()
		}
		for i := 0; i < *warm; i++ {
			if _, _, err := s.once(*timeout); err != nil {
				s.fail(err)
			}
		}
	}
	for done := 0; done < *n; done += *block {
		b := min(*block, *n-done)
		for _, s := range specs {
			s.runPre()
			s.runBlock(b, *j, *timeout, *pace)
		}
	}
	for _, s := range specs {
		s.report()
	}
}

func (s *spec) runPre() {
	if s.pre == "" {
		return
	}
	if out, err := exec.Command("bash", "-c", s.pre).CombinedOutput(); err != nil {
		fatal("%s: pre %q: %v %s", s.label, s.pre, err, out)
	}
}

func (s *spec) fail(err error) {
	s.fails++
	if len(s.errs) < 3 {
		s.errs = append(s.errs, err.Error())
	}
}

func (s *spec) runBlock(b, j int, timeout, pace time.Duration) {
	var mu sync.Mutex
	work := make(chan struct{}, b)
	for i := 0; i < b; i++ {
		work <- struct{}{}
	}
	close(work)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < min(j, b); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				time.Sleep(pace)
				d, rss, err := s.once(timeout)
				mu.Lock()
				if err != nil {
					s.fail(err)
				} else {
					s.samples = append(s.samples, d)
					s.rss = append(s.rss, rss)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	s.wall += time.Since(start)
}

// once is one fork+exec+wait, timed from just before the fork to the
// reaping of the child.
func (s *spec) once(timeout time.Duration) (time.Duration, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.argv[0], s.argv[1:]...)
	cmd.Env = s.env
	cmd.Dir = "/"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // stdin, stdout: /dev/null
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setsid: true}
	start := time.Now()
	if s.t0 {
		cmd.Env = append(slices.Clone(s.env), "BENCHTOOL_T0="+strconv.FormatInt(start.UnixNano(), 10))
	}
	err := cmd.Run()
	d := time.Since(start)
	var rss int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss
		}
	}
	if err != nil {
		return d, rss, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return d, rss, nil
}

func (s *spec) report() {
	for _, e := range s.errs {
		fmt.Fprintf(os.Stderr, "%s error: %s\n", s.label, e)
	}
	d := s.samples
	slices.Sort(d)
	pct := func(p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[int(p*float64(len(d)-1)+0.5)].Microseconds())
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	mean := 0.0
	if len(d) > 0 {
		mean = float64(sum.Microseconds()) / float64(len(d))
	}
	rss := slices.Clone(s.rss)
	slices.Sort(rss)
	var medRSS int64
	if len(rss) > 0 {
		medRSS = rss[len(rss)/2]
	}
	per := 0.0
	if s.wall > 0 {
		per = float64(len(d)) / s.wall.Seconds()
	}
	fmt.Printf("%s n=%d fails=%d median_us=%.0f p10_us=%.0f p90_us=%.0f mean_us=%.0f wall_s=%.3f per_s=%.1f maxrss_kb=%d\n",
		s.label, len(d), s.fails, pct(0.5), pct(0.1), pct(0.9), mean, s.wall.Seconds(), per, medRSS)
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchtool: "+format+"\n", args...)
	os.Exit(1)
}
