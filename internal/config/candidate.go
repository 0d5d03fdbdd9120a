package config

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// LoadCandidate reads a configuration that is not in place yet, as jailsh
// -t -f FILE does (visudo -c -f, sshd -t -f): its text, its includes and
// its rules are checked as Load checks them, but where it sits (a /tmp
// anyone can write to) is not held against it. Its own owner and mode,
// which would matter once installed, come back as a note.
func LoadCandidate(path string) (*Config, []string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	data, err := readChecked(abs, func(p string, fi fs.FileInfo) error {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		if err := checkOwner(p, fi); err != nil {
			notes = append(notes, err.Error()+": installed as it is, a login would refuse it")
		}
		return nil
	})
	if err != nil {
		return nil, notes, plain(err)
	}
	b := newBuilder(abs)
	b.include = b.loadInclude
	if err := b.parse(abs, data, 0); err != nil {
		return nil, notes, err
	}
	if err := b.validate(); err != nil {
		return nil, notes, err
	}
	return b.cfg, notes, nil
}
