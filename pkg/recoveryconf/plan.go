package recoveryconf

import (
	"fmt"
	"io"
	"strings"
)

// Names of the files the plan reads or writes, relative to the data directory.
const (
	PostgresqlConf = "postgresql.conf"
	AutoConf       = "postgresql.auto.conf"
	RecoveryConf   = "recovery.conf"
	RecoverySignal = "recovery.signal"
	StandbySignal  = "standby.signal"
)

// Plan is what Prepare decided; the caller applies it to a data directory
// (or to copies of a remote one) in this order: save Origin, then Write,
// then Remove.
type Plan struct {
	// Write maps a file name, relative to the data directory, to its whole
	// new content. An empty content is an empty file (a signal file).
	Write map[string][]byte
	// Origin maps a file the plan writes or removes to its content before
	// the plan; the caller keeps it as "<name>.origin", as Barman does. Files
	// that did not exist have no origin.
	Origin map[string][]byte
	// Remove lists files to delete, after saving their origin if they have one.
	Remove []string
	// Changes lists every edit made to prevent data loss, file by file.
	Changes []Change
	// Warnings lists settings left alone that the operator must review.
	Warnings []Warning
}

// Change is one edit of a configuration file.
type Change struct {
	File string
	// Line is the 1-based number, in the new content of File, of the line
	// whose text is now New. It is 0 for a change of the whole file (New
	// then says what happened, e.g. the file is removed).
	Line int
	// Name is the setting, in lower case ("" for a whole file).
	Name string
	// Old is the original line, without its line ending, that is now kept
	// commented out: as line Line when New is "#BARMAN#"+Old, as line
	// Line-1 otherwise (New is then the replacement, archive_command =
	// false). It is empty for a line barman recover added.
	Old string
	// New is the text of line Line now, without its line ending.
	New string
}

// String prints the change as Barman does: "postgresql.conf line 822:
// archive_command = false". Barman prints 0-based line numbers; these are
// the 1-based numbers an editor shows.
func (c Change) String() string {
	if c.Line == 0 {
		return c.File + ": " + c.New
	}
	return fmt.Sprintf("%s line %d: %s", c.File, c.Line, c.New)
}

// Warning is a setting the operator must review; the plan does not change it.
type Warning struct {
	File string
	Line int    // 1-based, in the new content; 0 for the file as a whole
	Name string // the setting in lower case, "" for the file as a whole
	Text string // "name = value" as written, or what is wrong with the line or file
}

// String prints the warning as Barman does:
// "postgresql.conf line 818: unix_socket_directories = '/var/run/postgresql'".
func (w Warning) String() string {
	if w.Line == 0 {
		return w.File + ": " + w.Text
	}
	return fmt.Sprintf("%s line %d: %s", w.File, w.Line, w.Text)
}

// WriteReport prints the changes and warnings in Barman's words, each
// section after a blank line, nothing when there are none.
func (p Plan) WriteReport(w io.Writer) error {
	var b strings.Builder
	if len(p.Changes) > 0 {
		b.WriteString("\nIMPORTANT\nThese settings have been modified to prevent data losses\n\n")
		for _, c := range p.Changes {
			b.WriteString(c.String() + "\n")
		}
	}
	if len(p.Warnings) > 0 {
		b.WriteString("\nWARNING\nYou are required to review the following options as potentially dangerous\n\n")
		for _, w := range p.Warnings {
			b.WriteString(w.String() + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
