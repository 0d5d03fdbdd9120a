package config

// oPath is FreeBSD's O_PATH (14.0 and later; x/sys/unix does not name it).
const oPath = 0x00400000
