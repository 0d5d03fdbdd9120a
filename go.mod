module jailme.dev/jailme

go 1.23.0

require (
	github.com/msteinert/pam/v2 v2.1.0
	golang.org/x/sys v0.33.0
)
