package jail

// The plan jailsh hands the attach helper (internal/attach/attach.c), which
// replaces it: everything located, pinned, checked and opened here, as
// root, in the host's namespaces; the helper only enters, drops, execs and
// waits. The layout is internal/attach/plan.h's.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"jailme.dev/jailme/internal/attach"
	"jailme.dev/jailme/internal/identity"
)

const (
	planMagic = 0x6a6d6174 // "jmat"
	maxGroups = 1024       // JM_MAX_GROUPS
	// attachDeadline bounds the stage: a jail frozen after the freezer
	// check stops it in the refrigerator, and the login must not hang.
	attachDeadline = 10 * time.Second
)

// planHeader is struct jm_plan_hdr.
type planHeader struct {
	Magic, Size         uint32
	UID, GID            uint32
	HostUID, HostGID    uint32
	JailPid             int32
	Root, Userns        int32
	TTY                 [3]int32
	Master, Slave, Out  int32
	LogFD, LogStream    int32
	NNP                 int32
	LastCap             int32
	HomeSlot            int32
	DeadlineMS, Pad0    int32
	CapBnd              uint64
	NGroups, NHostGroup uint32
	NNS, NCgroups       uint32
	NArgv, NEnv         uint32
	NFilters, Pad       uint32
}

// execAttach replaces jailsh by the attach helper with the plan for s. It
// returns only on failure, before anything was entered. filters are the
// seccomp programs the session installs, in order, after no_new_privs and
// just before execve.
func (j *Jail) execAttach(s *Session, host identity.Cred, term *terminal, filters [][]unix.SockFilter) error {
	if len(host.Groups) > maxGroups || len(s.Cred.Groups) > maxGroups {
		return fmt.Errorf("more than %d supplementary groups", maxGroups)
	}
	cgroups, err := j.openCgroupProcs()
	if err != nil {
		return err
	}
	labelFile, labelValue, err := j.execLabel()
	if err != nil {
		return err
	}
	h := planHeader{
		Magic: planMagic, UID: s.Cred.UID, GID: s.Cred.GID, HostUID: host.UID, HostGID: host.GID,
		JailPid: int32(j.pid), Root: int32(j.root.Fd()), Userns: -1,
		Master: -1, Slave: -1, Out: -1, LogFD: int32(s.Log.FD), LastCap: -1, HomeSlot: -1,
		DeadlineMS: int32(attachDeadline / time.Millisecond), CapBnd: ^uint64(0),
		NGroups: uint32(len(s.Cred.Groups)), NHostGroup: uint32(len(host.Groups)),
		NNS: uint32(len(j.ns)), NCgroups: uint32(len(cgroups)),
		NArgv: uint32(len(s.Argv)), NEnv: uint32(len(s.Env)), NFilters: uint32(len(filters)),
	}
	h.Size = uint32(binary.Size(h))
	keep := []int{int(j.root.Fd())}
	if j.userns != nil {
		h.Userns = int32(j.userns.fd)
		keep = append(keep, j.userns.fd)
	}
	if in := j.init; in != nil {
		h.CapBnd, h.LastCap = in.capBnd, int32(in.lastCap)
	}
	if j.noNewPrivs() {
		h.NNP = 1
	}
	if s.Log.Stream {
		h.LogStream = 1
	}
	if s.Log.FD >= 0 {
		keep = append(keep, s.Log.FD)
	}
	for i, kv := range s.Env {
		if strings.HasPrefix(kv, "HOME=") {
			h.HomeSlot = int32(i)
		}
	}
	if term != nil {
		h.Master, h.Slave, h.Out = int32(term.master), int32(term.slave), int32(term.out)
		keep = append(keep, term.master, term.slave)
		for i, t := range term.isTTY {
			if t {
				h.TTY[i] = 1
			}
		}
	}

	var b bytes.Buffer
	put := func(v any) { binary.Write(&b, binary.NativeEndian, v) }
	str := func(v string) {
		put(uint32(len(v)))
		b.WriteString(v)
		b.Write(make([]byte, 1+(4-(len(v)+1)%4)%4))
	}
	put(h)
	put(s.Cred.Groups)
	put(host.Groups)
	for _, c := range cgroups {
		put(int32(c.fd))
		keep = append(keep, c.fd)
	}
	for _, n := range j.ns {
		put(int32(n.fd))
		put(int32(n.flag))
		str(n.name)
		keep = append(keep, n.fd)
	}
	for _, c := range cgroups {
		str(c.name)
	}
	for _, v := range []string{j.name, labelFile, labelValue, s.Cred.Home, s.Path, s.Log.Prefix} {
		str(v)
	}
	for _, v := range s.Argv {
		str(v)
	}
	for _, v := range s.Env {
		str(v)
	}
	for _, f := range filters {
		put(uint32(len(f)))
		put(f)
	}
	err = attach.Exec(b.Bytes(), keep)
	for _, c := range cgroups {
		unix.Close(c.fd)
	}
	return err
}
