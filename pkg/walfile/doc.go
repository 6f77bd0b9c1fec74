// Package walfile checks that a file is the WAL file its name says it is
// before it enters the archive: a segment must have the server's segment
// size, start with a long page header carrying a known WAL page magic, the
// page address of the segment its name gives, a timeline not above the
// name's, and the system identifier of the archived cluster. A history file
// must parse as one; a backup label must start like one.
//
// Each failure is a *Problem with a short machine code (the suffix barman
// gives the file in errors/), a message and a hint.
package walfile
