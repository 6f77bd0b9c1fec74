// Package clikit holds what the five binaries share on their command line:
// kong set up with Barman's conventions (a usage error exits 2 with a
// one-line hint; -h and -v exit 0), the version string, and one message
// style for errors: "<tool>: error: <what failed>" then an optional
// "<tool>: hint: <what to do>".
package clikit
