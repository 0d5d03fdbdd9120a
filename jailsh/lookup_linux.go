package main

// selfExe is the running jailsh: the kernel's link to the file it
// executed, not a path an unprivileged caller could swap.
func selfExe() string { return "/proc/self/exe" }
