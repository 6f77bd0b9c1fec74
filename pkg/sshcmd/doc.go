// Package sshcmd runs commands on another host through a user-given
// ssh_command such as "ssh postgres@pg" or "ssh -p 2222 -i key pg".
//
// The command line is split with go-shellwords. Like Barman, barman adds
// "-o BatchMode=yes" (never prompt for a password) after the user's words,
// and "-o StrictHostKeyChecking=accept-new" where Barman uses "no": a new
// host is accepted, a changed host key is refused. ssh takes the first
// value it sees for an option, so the user's own -o options win.
package sshcmd
