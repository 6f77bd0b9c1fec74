package recoveryconf

import (
	"bytes"
	"strings"
)

// commentPrefix marks the lines barman recover commented out, as Barman does.
const commentPrefix = "#BARMAN#"

// disabledArchiveCommand replaces every active archive_command.
const disabledArchiveCommand = "archive_command = false"

// commentedOut lists the settings whose active lines are commented out.
// archive_command is also replaced by disabledArchiveCommand. See doc.go.
var commentedOut = map[string]bool{
	"archive_command":           true,
	"archive_library":           true,
	"restore_command":           true,
	"recovery_end_command":      true,
	"archive_cleanup_command":   true,
	"recovery_target":           true,
	"recovery_target_name":      true,
	"recovery_target_time":      true,
	"recovery_target_xid":       true,
	"recovery_target_lsn":       true,
	"recovery_target_inclusive": true,
	"recovery_target_timeline":  true,
	"recovery_target_action":    true,
}

// reviewed lists the settings reported as warnings and left alone. See doc.go.
var reviewed = map[string]bool{
	// Barman's list.
	"data_directory": true, "config_file": true, "hba_file": true, "ident_file": true,
	"external_pid_file": true, "ssl_cert_file": true, "ssl_key_file": true,
	"ssl_ca_file": true, "ssl_crl_file": true, "ssl_crl_dir": true,
	"unix_socket_directory": true, "unix_socket_directories": true,
	"include": true, "include_dir": true, "include_if_exists": true,
	// Other files outside the data directory, and links to other servers.
	"ssl_dh_params_file": true, "ssl_passphrase_command": true, "krb_server_keyfile": true,
	"stats_temp_directory": true, "promote_trigger_file": true,
	"primary_conninfo": true, "primary_slot_name": true,
}

// harmless reports settings that are already safe and stay untouched, so
// that running the edits twice changes nothing more: archive_command =
// false (Barman's own replacement) and an empty archive_library.
func harmless(s setting) bool {
	return (s.key == "archive_command" && s.value == "false") ||
		(s.key == "archive_library" && s.value == "")
}

// editor holds the new lines of one configuration file and what changed.
type editor struct {
	file     string
	lines    []line
	changes  []Change
	includes bool // an active include, include_dir or include_if_exists
}

// newEditor comments out the dangerous settings of content; see commentedOut.
func newEditor(file string, content []byte) *editor {
	e := &editor{file: file}
	for _, l := range splitLines(content) {
		s, ok := parseLine(l.text)
		if ok && (s.key == "include" || s.key == "include_dir" || s.key == "include_if_exists") {
			e.includes = true
		}
		if !ok || !commentedOut[s.key] || harmless(s) {
			e.lines = append(e.lines, l)
			continue
		}
		e.comment(l, s)
	}
	return e
}

// comment writes l commented out and, for archive_command, the
// replacement line after it with the same line ending.
func (e *editor) comment(l line, s setting) {
	old := strings.TrimSuffix(string(l.text), "\r")
	c := Change{File: e.file, Name: s.key, Old: old}
	if s.key != "archive_command" {
		e.lines = append(e.lines, line{text: append([]byte(commentPrefix), l.text...), nl: l.nl})
		c.Line, c.New = len(e.lines), commentPrefix+old
		e.changes = append(e.changes, c)
		return
	}
	e.lines = append(e.lines, line{text: append([]byte(commentPrefix), l.text...), nl: true})
	e.lines = append(e.lines, line{text: []byte(disabledArchiveCommand + crOf(l.text)), nl: l.nl})
	c.Line, c.New = len(e.lines), disabledArchiveCommand
	e.changes = append(e.changes, c)
}

// crOf returns "\r" when text ends with one (a CRLF line ending).
func crOf(text []byte) string {
	if bytes.HasSuffix(text, []byte("\r")) {
		return "\r"
	}
	return ""
}

// warnings lists the reviewed settings of the edited lines, and the lines
// PostgreSQL cannot parse: it refuses to start until they are fixed.
func (e *editor) warnings() []Warning {
	var ws []Warning
	for i, l := range e.lines {
		s, ok := parseLine(l.text)
		switch {
		case ok && reviewed[s.key]:
			ws = append(ws, Warning{File: e.file, Line: i + 1, Name: s.key, Text: s.name + " = " + s.raw})
		case !ok && !blank(l.text):
			ws = append(ws, Warning{File: e.file, Line: i + 1,
				Text: "syntax error, PostgreSQL will not start: " + strings.TrimSuffix(string(l.text), "\r")})
		}
	}
	return ws
}

// appendBlock adds lines at the end of the file after a blank line (none in
// an empty file), using the file's line ending. Lines in report are
// reported as changes: they are the ones that change a setting.
func (e *editor) appendBlock(block []string, report map[string]bool) {
	cr := e.cr()
	if n := len(e.lines); n > 0 {
		e.lines[n-1].nl = true
		e.lines = append(e.lines, line{text: []byte(cr), nl: true})
	}
	for _, text := range block {
		e.lines = append(e.lines, line{text: []byte(text + cr), nl: true})
		if report[text] {
			name, _, _ := strings.Cut(text, " ")
			e.changes = append(e.changes, Change{File: e.file, Line: len(e.lines), Name: name, New: text})
		}
	}
}

// cr returns "\r" if the file's first complete line ends with CRLF.
func (e *editor) cr() string {
	for _, l := range e.lines {
		if l.nl {
			return crOf(l.text)
		}
	}
	return ""
}

func (e *editor) content() []byte { return joinLines(e.lines) }
