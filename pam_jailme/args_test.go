//go:build cgo

package main

import (
	"reflect"
	"testing"

	"jailme.dev/jailme/internal/gate"
)

func TestParseArgs(t *testing.T) {
	def := options{config: defaultConfig, shellCheck: gate.ShellDeny, jailsh: defaultJailsh}
	tests := []struct {
		name string
		args []string
		want options
		bad  int
	}{
		{name: "none", want: def},
		{name: "all", args: []string{"debug", "config=/etc/j.conf", "shell_check=warn", "jailsh=/sbin/jailsh"},
			want: options{debug: true, config: "/etc/j.conf", shellCheck: gate.ShellWarn, jailsh: "/sbin/jailsh"}},
		{name: "shell_check=off", args: []string{"shell_check=off"},
			want: options{config: defaultConfig, shellCheck: gate.ShellOff, jailsh: defaultJailsh}},
		// Anything unknown or malformed is reported and changes nothing:
		// it must never weaken the check.
		{name: "unknown", args: []string{"bogus", "debug=1", "nodebug"}, want: def, bad: 3},
		{name: "relative config", args: []string{"config=jailme.conf"}, want: def, bad: 1},
		{name: "empty config", args: []string{"config="}, want: def, bad: 1},
		{name: "config without value", args: []string{"config"}, want: def, bad: 1},
		{name: "bad shell_check", args: []string{"shell_check=no", "shell_check="}, want: def, bad: 2},
		{name: "relative jailsh", args: []string{"jailsh=jailsh"}, want: def, bad: 1},
		{name: "last wins", args: []string{"shell_check=off", "shell_check=deny"}, want: def},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, bad := parseArgs(tc.args)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseArgs(%q) = %+v, want %+v", tc.args, got, tc.want)
			}
			if len(bad) != tc.bad {
				t.Errorf("parseArgs(%q): %d reported (%q), want %d", tc.args, len(bad), bad, tc.bad)
			}
		})
	}
}
