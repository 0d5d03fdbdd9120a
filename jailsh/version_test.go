package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestInfoForm(t *testing.T) {
	version = "1.2.3-test"
	defer func() { version = "" }()
	for _, tt := range []struct {
		args    []string
		handled bool
		want    string // prefix of the output
	}{
		{[]string{"jailsh", "--version"}, true, "jailsh 1.2.3-test\n"},
		{[]string{"-jailsh", "--version"}, true, "jailsh 1.2.3-test\n"},
		{[]string{"jailsh", "--help"}, true, "usage: jailsh "},
		// A login, a command, an admin form, anything longer: not ours.
		{[]string{"-jailsh"}, false, ""},
		{[]string{"jailsh"}, false, ""},
		{[]string{"jailsh", "-c", "--version"}, false, ""},
		{[]string{"jailsh", "--version", "x"}, false, ""},
		{[]string{"jailsh", "--help", "--version"}, false, ""},
		{[]string{"jailsh", "-t"}, false, ""},
		{[]string{"jailsh", "-v"}, false, ""},
		{[]string{"jailsh", "--versio"}, false, ""},
		{nil, false, ""},
	} {
		var out bytes.Buffer
		handled, status := infoForm(tt.args, &out)
		if handled != tt.handled || status != 0 || !strings.HasPrefix(out.String(), tt.want) ||
			(!handled && out.Len() != 0) {
			t.Errorf("infoForm(%q) = %v, %d, %q; want %v, 0, prefix %q",
				tt.args, handled, status, out.String(), tt.handled, tt.want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestInfoFormWriteError(t *testing.T) {
	if handled, status := infoForm([]string{"jailsh", "--version"}, failWriter{}); !handled || status != 1 {
		t.Errorf("infoForm to a failing writer = %v, %d; want true, 1", handled, status)
	}
}

func TestVersionFallback(t *testing.T) {
	version = ""
	if v := versionString(); v == "" {
		t.Error("versionString() is empty without a stamped version")
	}
}
