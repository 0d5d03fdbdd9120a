package config

import "golang.org/x/sys/unix"

// oPath opens a name to look at it, never its contents (no read, no device
// open, no FIFO wait).
const oPath = unix.O_PATH
