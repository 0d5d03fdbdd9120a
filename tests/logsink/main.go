// Command logsink is the test suites' syslog daemon: it listens on a
// SOCK_DGRAM unix socket (the suites bind it at a private /dev/log) and
// appends every datagram to a file as one line, so a test can grep for the
// exact audit line jailsh or pam_jailme sent. It exits on SIGTERM.
//
//	logsink SOCKET LOGFILE
//	logsink -stall SOCKET
//
// With -stall it is a syslog daemon that stopped reading: it binds SOCKET,
// fills the socket's queue and never reads it.
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-stall" {
		stall(os.Args[2])
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: logsink SOCKET LOGFILE")
		os.Exit(2)
	}
	sock, file := os.Args[1], os.Args[2]

	out, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fatal(err)
	}
	os.Remove(sock)
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		fatal(err)
	}
	// Everyone logs through /dev/log, the setuid program before and after
	// it drops privileges alike.
	if err := os.Chmod(sock, 0o666); err != nil {
		fatal(err)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		os.Remove(sock)
		os.Exit(0)
	}()

	buf := make([]byte, 64<<10)
	for {
		n, _, err := conn.ReadFromUnix(buf)
		if err != nil {
			fatal(err)
		}
		// One datagram, one line: a newline inside a message must not
		// let a test match a forged second line.
		line := bytes.TrimRight(buf[:n], "\x00\n")
		line = bytes.ReplaceAll(line, []byte("\n"), []byte(`\n`))
		if _, err := out.Write(append(line, '\n')); err != nil {
			fatal(err)
		}
	}
}

func stall(sock string) {
	os.Remove(sock)
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		fatal(err)
	}
	if err := os.Chmod(sock, 0o666); err != nil {
		fatal(err)
	}
	c, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		fatal(err)
	}
	if err := syscall.Connect(c, &syscall.SockaddrUnix{Name: sock}); err != nil {
		fatal(err)
	}
	for {
		if _, err := syscall.Write(c, make([]byte, 512)); err == syscall.EAGAIN {
			break
		} else if err != nil {
			fatal(err)
		}
	}
	fmt.Println("stalled")
	for { // until killed
		time.Sleep(time.Hour)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "logsink:", err)
	os.Exit(1)
}
