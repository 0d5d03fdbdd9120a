// Command usernsjail starts a test jail with a user namespace of its own,
// as LXC with lxc.idmap or podman --uidmap would: new user, mount, pid,
// uts, ipc, net and cgroup namespaces, the maps written by the parent
// (root), chrooted into ROOT, where /bin/sh mounts /proc and becomes
// /bin/init. It waits for the jail and exits with it.
//
//	usernsjail [-setgroups deny] [-keep-ptrace] ROOT UIDMAP GIDMAP
//
// A map is INSIDE:OUTSIDE:COUNT[,INSIDE:OUTSIDE:COUNT...]. Without
// -keep-ptrace the jail's init drops CAP_SYS_PTRACE from its bounding set
// (a new user namespace starts with a full one), as the suites' other jails.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

func parseMap(s string) ([]syscall.SysProcIDMap, error) {
	var m []syscall.SysProcIDMap
	for _, e := range strings.Split(s, ",") {
		f := strings.Split(e, ":")
		if len(f) != 3 {
			return nil, fmt.Errorf("%q: want INSIDE:OUTSIDE:COUNT", e)
		}
		var v [3]int
		for i := range f {
			n, err := strconv.Atoi(f[i])
			if err != nil {
				return nil, err
			}
			v[i] = n
		}
		m = append(m, syscall.SysProcIDMap{ContainerID: v[0], HostID: v[1], Size: v[2]})
	}
	return m, nil
}

func main() {
	setgroups := flag.String("setgroups", "allow", "allow or deny")
	keepPtrace := flag.Bool("keep-ptrace", false, "keep CAP_SYS_PTRACE in the bounding set")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: usernsjail [-setgroups deny] [-keep-ptrace] ROOT UIDMAP GIDMAP")
		os.Exit(2)
	}
	uids, err := parseMap(flag.Arg(1))
	if err == nil {
		var gids []syscall.SysProcIDMap
		if gids, err = parseMap(flag.Arg(2)); err == nil {
			err = run(flag.Arg(0), uids, gids, *setgroups == "allow", *keepPtrace)
		}
	}
	if ee, ok := err.(*exec.ExitError); ok {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "usernsjail:", err)
		os.Exit(1)
	}
}

func run(root string, uids, gids []syscall.SysProcIDMap, setgroups, keepPtrace bool) error {
	init := "exec /bin/init -drop-ptrace"
	if keepPtrace {
		init = "exec /bin/init"
	}
	cmd := exec.Command("/bin/sh", "-c", "mount -t proc proc /proc && hostname uns && "+init)
	cmd.Env = []string{"PATH=/bin:/sbin:/usr/bin:/usr/sbin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS |
			unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP,
		UidMappings:                uids,
		GidMappings:                gids,
		GidMappingsEnableSetgroups: setgroups,
		Chroot:                     root,
		Credential:                 &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: !setgroups},
	}
	return cmd.Run()
}
