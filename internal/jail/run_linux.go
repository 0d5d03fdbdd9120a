package jail

import "golang.org/x/sys/unix"

// Run makes this process the attach helper (internal/attach/attach.c),
// which enters the jail, starts the session and waits for it, relaying
// its terminal or stdio, signals, stops and exit status; it returns only
// when the session cannot be started, before anything was entered (as the
// FreeBSD Run, which becomes the session itself). A failure after the
// helper took over is printed and logged by the helper, with the deny line
// s.Log prepared.
func (j *Jail) Run(s Session) (int, error) {
	defer j.Close()
	// The ids the session has on the host: its own in a jail that shares
	// the host's user namespace, mapped in one that has its own.
	host, err := j.HostCred(s.Cred)
	if err != nil {
		return 0, &Error{Jail: j.name, Err: err}
	}
	if err := j.alive(); err != nil {
		return 0, &Error{Jail: j.name, Err: err}
	}
	if err := j.checkConfinable(); err != nil {
		return 0, &Error{Jail: j.name, Err: err}
	}
	// The copy made when the login was decided (gate.Decide).
	set, err := j.sessionSeccomp()
	if err != nil {
		return 0, &Error{Jail: j.name, Err: err}
	}
	var filters [][]unix.SockFilter
	if set != nil {
		filters = set.Filters
	}
	// Opened in the host's mount namespace, before anything is entered.
	term, err := newTerminal(host.UID)
	if err != nil {
		return 0, &Error{Jail: j.name, Err: err}
	}
	err = j.execAttach(&s, host, term, filters)
	if term != nil {
		term.close()
	}
	return 0, &Error{Jail: j.name, Err: err}
}
