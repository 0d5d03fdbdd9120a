package jail

import (
	"errors"
	"strings"
	"testing"

	"jailme.dev/jailme/internal/config"
)

// What /proc/PID/status alone refuses, before any copy; seccomp = none
// lifts every refusal.
func TestCheckSeccomp(t *testing.T) {
	for _, tc := range []struct {
		name        string
		init        initState
		allowSetuid bool
		want        string // "" allowed
	}{
		{"no filter", initState{seccomp: 0}, true, ""},
		{"strict", initState{seccomp: 1}, false, "strict seccomp mode (Seccomp: 1)"},
		{"allow_setuid", initState{seccomp: 2}, true, "allow_setuid: the jail's init runs under a seccomp filter"},
		{"allow_setuid, init with nnp", initState{seccomp: 2, noNewPrivs: true}, true, ""},
		{"filter", initState{seccomp: 2}, false, ""},
	} {
		for _, policy := range []config.SeccompPolicy{config.SeccompInit, config.SeccompNone} {
			in := tc.init
			j := &Jail{name: "web", cfg: &config.Jail{AllowSetuid: tc.allowSetuid, Seccomp: policy}, init: &in}
			err := j.checkSeccomp()
			want := tc.want
			if policy == config.SeccompNone {
				want = ""
			}
			switch {
			case want == "" && err != nil:
				t.Errorf("%s, seccomp = %s: %v", tc.name, policy, err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrConfine) ||
				!strings.Contains(err.Error(), "seccomp = none;")):
				t.Errorf("%s, seccomp = %s: %v, want %q and the opt-out", tc.name, policy, err, want)
			}
		}
	}
}

// Nothing is copied where there is nothing to carry.
func TestSessionSeccompNothing(t *testing.T) {
	for _, j := range []*Jail{
		{cfg: &config.Jail{}},                                                          // a path jail
		{cfg: &config.Jail{}, init: &initState{seccomp: 0}},                            // no filter
		{cfg: &config.Jail{Seccomp: config.SeccompNone}, init: &initState{seccomp: 2}}, // opted out
	} {
		if set, err := j.sessionSeccomp(); set != nil || err != nil {
			t.Errorf("%+v: %v, %v", j.init, set, err)
		}
	}
	j := &Jail{cfg: &config.Jail{Seccomp: config.SeccompNone, Pos: config.Pos{File: "/etc/jailme.conf", Line: 3, Col: 1}}, init: &initState{seccomp: 2, filters: 1}}
	if got := j.seccompStep(); got.Jail != "filter (1)" || got.Session != "none (seccomp = none: not carried)" {
		t.Errorf("seccompStep: %+v", got)
	}
	if got := j.SeccompWaived(); !strings.HasPrefix(got, "/etc/jailme.conf:3:1: seccomp = none: ") {
		t.Errorf("SeccompWaived: %q", got)
	}
}
