package logincap

import (
	"errors"
	"fmt"
	"strings"
)

// Class names libutil uses when a passwd entry names none
// (login_cap.h: LOGIN_DEFCLASS, LOGIN_DEFROOTCLASS).
const (
	DefaultClass = "default"
	RootClass    = "root"
)

// ClassName is login_getpwclass's choice: the entry's class, else
// "root" for uid 0 and "default" for everyone else.
func ClassName(class string, uid uint32) string {
	switch {
	case class != "":
		return class
	case uid == 0:
		return RootClass
	}
	return DefaultClass
}

// Class is login_getclassbyname: the record for name, else "default" (with
// a notice, as libutil logs "unknown class"), else an empty record (the
// system's defaults: no capability set). A nil db (no login.conf) is an
// empty record too.
func Class(db *DB, name string) (r Record, notice string, err error) {
	if db == nil {
		return Record{Name: name}, "", nil
	}
	r, err = db.Lookup(name)
	if errors.Is(err, ErrNoClass) && name != DefaultClass {
		notice = fmt.Sprintf("%s: no class %q: class %q used, as login(1) does", db.File, name, DefaultClass)
		r, err = db.Lookup(DefaultClass)
	}
	if errors.Is(err, ErrNoClass) {
		return Record{File: db.File, Name: DefaultClass}, notice, nil
	}
	return r, notice, err
}

// A Limit is one resource limit as setrlimit(2) takes it.
type Limit struct {
	Name     string // as login.conf names it: "openfiles"
	Resource int    // RLIMIT_*
	Cur, Max int64
}

// Sched is the priority setusercontext sets: "nice" (setpriority), or
// outside -20..20 an rtprio(2) class, "idle" or "realtime", with its level.
type Sched struct {
	Kind  string // "", "nice", "idle", "realtime"; "" inherits
	Value int
}

// Privileged is what setusercontext sets while still root, here from the
// host's login.conf only: the jail's root must not choose the limits,
// priority, MAC label or kernel login class of a session it does not own.
type Privileged struct {
	Class    string // setloginclass(2)
	Limits   []Limit
	Priority Sched
	Umask    *uint32 // nil: inherited
	Label    string  // MAC label (mac_set_proc), "" for none
}

// resources is login_class.c's table: capability, kind (n number, s
// size, t time), FreeBSD's RLIMIT_* (sys/resource.h).
var resources = []struct {
	name     string
	kind     byte
	resource int
}{
	{"cputime", 't', 0}, {"filesize", 's', 1}, {"datasize", 's', 2}, {"stacksize", 's', 3},
	{"memoryuse", 's', 5}, {"memorylocked", 's', 6}, {"maxproc", 'n', 7}, {"openfiles", 'n', 8},
	{"coredumpsize", 's', 4}, {"sbsize", 's', 9}, {"vmemoryuse", 's', 10}, {"pseudoterminals", 'n', 11},
	{"swapuse", 's', 12}, {"kqueues", 's', 13}, {"umtxp", 'n', 14},
}

// PRIO_MIN, PRIO_MAX (sys/resource.h) and RTP_PRIO_MAX (sys/rtprio.h).
const (
	prioMin   = -20
	prioMax   = 20
	rtprioMax = 31
)

// Privileges computes r's privileged items. current gives a resource's
// limits now (getrlimit): as setclassresources, "name" replaces both,
// then "name-cur" and "name-max" replace one; an unnamed resource is left
// alone. Where libutil logs a bad value and keeps the current one, this
// refuses: a typo must not leave the caller's own limits in place.
// (setuid jailsh starts with the limits its caller chose.)
func Privileges(r Record, current func(resource int) (cur, max int64, err error)) (Privileged, error) {
	p := Privileged{Class: r.Name}
	for _, res := range resources {
		get := r.Num
		switch res.kind {
		case 's':
			get = r.Size
		case 't':
			get = r.Time
		}
		both, okBoth, err := get(res.name)
		if err != nil {
			return p, err
		}
		cur, okCur, err := get(res.name + "-cur")
		if err != nil {
			return p, err
		}
		max, okMax, err := get(res.name + "-max")
		if err != nil {
			return p, err
		}
		if !okBoth && !okCur && !okMax {
			continue
		}
		c, m, err := current(res.resource)
		if err != nil {
			return p, fmt.Errorf("getrlimit(%s): %w", res.name, err)
		}
		if okBoth {
			c, m = both, both
		}
		if okCur {
			c = cur
		}
		if okMax {
			m = max
		}
		// The kernel lowers a soft limit above the hard one to it
		// (kern_resource.c, kern_proc_setrlimit): say so here.
		c = min(c, m)
		p.Limits = append(p.Limits, Limit{Name: res.name, Resource: res.resource, Cur: c, Max: m})
	}
	var err error
	if p.Priority, err = priority(r); err != nil {
		return p, err
	}
	if p.Umask, err = umask(r); err != nil {
		return p, err
	}
	if p.Label, _, err = r.Str("label"); err != nil {
		return p, err
	}
	return p, nil
}

// priority is setclasspriority: "inherit" keeps ours; absent is
// LOGIN_DEFPRI (0); above 20 an idle class, below -20 a realtime one.
func priority(r Record) (Sched, error) {
	if s, _, _ := r.Str("priority"); s == "inherit" {
		return Sched{}, nil
	}
	v, ok, err := r.signed("priority")
	if err != nil {
		return Sched{}, err
	}
	if !ok {
		v = 0
	}
	switch {
	case v > prioMax:
		return Sched{Kind: "idle", Value: int(min(v-(prioMax+1), rtprioMax))}, nil
	case v < prioMin:
		return Sched{Kind: "realtime", Value: int(max(v+rtprioMax-(prioMin-1), 0))}, nil
	}
	return Sched{Kind: "nice", Value: int(v)}, nil
}

// signed is Num for a capability that may be negative (priority).
func (r Record) signed(cap string) (int64, bool, error) {
	s, ok, err := r.value(cap)
	if !ok || err != nil {
		return 0, ok, err
	}
	neg := strings.HasPrefix(s, "-")
	v, err := number(strings.TrimPrefix(s, "-"))
	if err != nil || v > 1<<20 {
		return 0, true, r.bad(cap, s, fmt.Errorf("%q is not a priority", s))
	}
	if neg {
		v = -v
	}
	return v, true, nil
}

// umask is setclassumask: "inherit" or absent keep ours; 0 to 0xffff
// (libutil's range; umask(2) keeps the permission bits).
func umask(r Record) (*uint32, error) {
	if s, _, _ := r.Str("umask"); s == "inherit" {
		return nil, nil
	}
	v, ok, err := r.Num("umask")
	if err != nil || !ok {
		return nil, err
	}
	if v > 0xffff {
		return nil, r.bad("umask", fmt.Sprint(v), fmt.Errorf("out of range"))
	}
	m := uint32(v) & 07777
	return &m, nil
}

// Settings is a session's login class, as jailme applies it on FreeBSD.
type Settings struct {
	Privileged        // from the host's login.conf, set before dropping root
	Env        []Var  // from the jail's login.conf, set after
	HostClass  string // the class looked up in each file
	JailClass  string
	Notices    []string
}

// Merge takes the privileged items from host and the environment from
// jail, and nothing else: a limit, priority, umask, label or kernel
// login class in the jail's login.conf is never read, so the jail's root
// can neither raise nor lower what the host gives the session.
func Merge(host, jail Record, user, home string, uid uint32, current func(resource int) (cur, max int64, err error)) (Settings, error) {
	s := Settings{HostClass: host.Name, JailClass: jail.Name}
	var err error
	if s.Privileged, err = Privileges(host, current); err != nil {
		return s, fmt.Errorf("host login class: %w", err)
	}
	if s.Env, err = Environment(jail, user, home, uid); err != nil {
		return s, fmt.Errorf("jail login class: %w", err)
	}
	return s, nil
}
