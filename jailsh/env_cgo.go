//go:build cgo

package main

/*
extern int jm_env_reduced;
const char *jm_keep_name(int i);
*/
import "C"

// keepNames is the environment whitelist, read from env.c, whose
// constructor applied it before the Go runtime started (in a setuid exec).
func keepNames() []string {
	var names []string
	for i := 0; ; i++ {
		p := C.jm_keep_name(C.int(i))
		if p == nil {
			return names
		}
		names = append(names, C.GoString(p))
	}
}

// envReduced reports whether env.c's constructor reduced the environment.
func envReduced() bool { return C.jm_env_reduced != 0 }
