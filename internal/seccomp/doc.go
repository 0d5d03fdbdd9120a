// Package seccomp obtains the seccomp filters a session must carry into a
// Linux jail: those of the jail's init, copied as the kernel holds them
// (ptrace(PTRACE_SECCOMP_GET_FILTER), as CRIU checkpoints them), so that
// every source — docker, podman, runc/crun, LXC, nspawn and a bare pidfile
// — is covered the same way, whatever compiled the filter. It also says
// which filters cannot be carried. Installing them is the attach stage's
// last step before execve (internal/attach/c/attach.c).
//
// Linux only: FreeBSD jails confine whatever enters them.
package seccomp
